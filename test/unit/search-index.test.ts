/**
 * The SQLite search index (storage/sqlite/search-index.ts) on a real store file: new messages are found
 * the moment they are committed (by the scan of what the index has not caught up with), indexed by the
 * worker thread into `<file>-search`, re-indexed when edited or deleted, kept across a restart and rebuilt
 * when its file is gone. The index's own state is read from its file by a second connection. Then the
 * IndexWriter's step rules on one in-memory database, and the inline index of a `:memory:` store.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { fold, matchExpression, parseQuery, queryGrams } from '../../src/core/fold.ts';
import { IndexWriter, prepareIndex } from '../../src/storage/sqlite/search-index.ts';
import { openSqliteStore, type SqliteStore } from '../../src/storage/sqlite/sqlite-store.ts';
import { waitFor } from '../helpers/wait.ts';

describe('SQLite search index', () => {
  let dir: string;
  let file: string;
  let store: SqliteStore;
  let viewer: string;
  let roomId: number;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'natter-index-'));
    file = join(dir, 'natter.db');
    store = openSqliteStore(file);
    viewer = (await store.createUser({ username: 'viewer', passwordHash: 'x', guest: false })).value.id;
    roomId = (await store.getRoom('general', viewer))!.record.id;
  });
  after(async () => {
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const post = async (text: string) => (await store.postMessage({ roomId, author: { id: viewer, username: 'viewer' }, text, clientId: null, replyTo: null })).value.message.id;
  async function find(q: string): Promise<string[]> {
    const terms = parseQuery(q);
    const out: string[] = [];
    for (let beforeKey: number | null = null; ;) {
      const res = await store.lookups.messages(viewer, { terms, grams: queryGrams(terms), limit: 7, beforeKey });
      out.push(...res.messages.map((m) => m.id));
      if (res.nextKey === null) return out;
      beforeKey = res.nextKey;
    }
  }
  /** What the index file says: `through` and `dirty`, and the ids the index alone holds for a term. */
  function onDisk(term?: string): { through: number; dirty: number; indexed: number[] } {
    const db = new Database(`${file}-search`, { readonly: true });
    try {
      const { through, dirty } = db.prepare<[], { through: number; dirty: number }>('SELECT through, dirty FROM search_state').get()!;
      const indexed = term === undefined ? [] : db.prepare<[string], { rowid: number }>('SELECT rowid FROM message_grams WHERE message_grams MATCH ? ORDER BY rowid')
        .all(matchExpression([fold(term)])).map((r) => r.rowid);
      return { through, dirty, indexed };
    } finally {
      db.close();
    }
  }

  it('finds a message the moment it is committed, before and after the worker indexes it', async () => {
    const first = await post('Zebra crossing ahead');
    assert.deepEqual(await find('zebra'), [first], 'found at once (the index may not hold it yet)');
    assert.deepEqual(await find('z'), [first], 'a 1-character term too');
    const ids = [first];
    for (let i = 0; i < 40; i++) ids.push(await post(`filler ${i} zebra`));
    const last = Number(ids[ids.length - 1]);
    const { indexed } = await waitFor(() => {
      const d = onDisk('zebra');
      return d.through >= last ? d : null;
    }, 'the worker indexed every message');
    assert.deepEqual(indexed, ids.map(Number), 'the index holds exactly the messages, once each');
    assert.deepEqual(await find('zebra'), [...ids].reverse(), 'newest first, each once');
    const newer = await post('one more zebra');
    assert.deepEqual((await find('zebra'))[0], newer, 'index and unindexed tail together');
  });

  it('edits and deletes count at once, for indexed messages and for unindexed ones; the index follows', async () => {
    const old = await post('an old yak');
    await waitFor(() => onDisk().through >= Number(old), 'the old message indexed');
    const fresh = await post('a fresh yak');
    await store.editMessage(roomId, old, 'an old ibex');
    await store.editMessage(roomId, fresh, 'a fresh ibex');
    assert.deepEqual(await find('yak'), []);
    assert.deepEqual(await find('ibex'), [fresh, old]);
    await store.deleteMessage(roomId, old);
    assert.deepEqual(await find('ibex'), [fresh]);
    await waitFor(() => {
      const d = onDisk();
      return d.through >= Number(fresh) && d.dirty >= 3;
    }, 'the worker read the edits and the delete');
    assert.deepEqual(onDisk('yak').indexed, [], 'no old text left in the index');
    assert.deepEqual(onDisk('ibex').indexed, [Number(fresh)], 'the edited text is what was indexed; the deleted one is out');
    assert.deepEqual(await find('ibex'), [fresh]);
    await post('a write batch prunes the dirty rows the index has read');
    const raw = new Database(file, { readonly: true });
    try {
      assert.equal(raw.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM search_dirty').get()!.n, 0);
    } finally {
      raw.close();
    }
    await store.editMessage(roomId, fresh, 'a fresh okapi');
    await waitFor(() => onDisk('okapi').indexed.includes(Number(fresh)) || null, 'an edit after the prune reaches the index too');
    assert.deepEqual(onDisk('ibex').indexed, []);
  });

  it('keeps the index across a restart, and rebuilds it when its file is gone', async () => {
    const id = await post('before the restart: narwhal');
    await store.close();
    store = openSqliteStore(file);
    assert.deepEqual(await find('narwhal'), [id]);
    await waitFor(() => onDisk().through >= Number(id), 'indexed after the restart');
    assert.deepEqual(onDisk('narwhal').indexed, [Number(id)]);
    await store.close();
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}-search${suffix}`, { force: true });
    store = openSqliteStore(file);
    assert.ok(existsSync(`${file}-search`));
    assert.deepEqual(await find('narwhal'), [id], 'found while the index is rebuilt');
    await waitFor(() => onDisk().through >= Number(id), 'rebuilt');
    assert.deepEqual(onDisk('narwhal').indexed, [Number(id)]);
    assert.deepEqual(await find('zebra crossing'), [(await find('crossing'))[0]!], 'older messages are back in the index too');
  });
});

describe('IndexWriter steps', () => {
  const db = new Database(':memory:');
  db.exec(`CREATE TABLE messages (id INTEGER PRIMARY KEY, text TEXT NOT NULL, deleted INTEGER NOT NULL DEFAULT 0);
    CREATE TABLE search_dirty (seq INTEGER PRIMARY KEY, message_id INTEGER NOT NULL);
    ATTACH ':memory:' AS search;`);
  let state = prepareIndex(db, 'search');
  const writer = new IndexWriter(db, db, 'search');
  const indexed = (term: string) => db.prepare<[string], { rowid: number }>('SELECT rowid FROM search.message_grams WHERE message_grams MATCH ? ORDER BY rowid').all(matchExpression([fold(term)])).map((r) => r.rowid);
  const step = (max?: number) => {
    const r = writer.step(state, max);
    state = r.state;
    return r.read;
  };

  it('indexes new messages in id order, at most `max` a step, skipping deleted ones', () => {
    db.exec(`INSERT INTO messages (id, text, deleted) VALUES (1, 'Alpha', 0), (2, 'beta', 1), (3, 'ALPHA beta', 0)`);
    assert.equal(step(2), 2);
    assert.deepEqual(state, { through: 2, dirty: 0 });
    assert.deepEqual(indexed('alpha'), [1]);
    assert.equal(step(2), 1);
    assert.deepEqual(indexed('alpha'), [1, 3]);
    assert.deepEqual(indexed('beta'), [3], 'the deleted message was never indexed');
    assert.equal(step(), 0, 'nothing new');
    assert.deepEqual(db.prepare('SELECT through, dirty FROM search.search_state').get(), { through: 3, dirty: 0 }, 'the state is saved');
  });

  it('re-reads a changed message once, with its current text; a deleted one leaves the index', () => {
    db.exec(`UPDATE messages SET text = 'gamma' WHERE id = 1; INSERT INTO search_dirty (message_id) VALUES (1), (1);
      UPDATE messages SET deleted = 1, text = '' WHERE id = 3; INSERT INTO search_dirty (message_id) VALUES (3);`);
    assert.equal(step(), 3);
    assert.deepEqual(state, { through: 3, dirty: 3 });
    assert.deepEqual(indexed('alpha'), []);
    assert.deepEqual(indexed('gamma'), [1]);
    assert.deepEqual(indexed('beta'), []);
  });

  it('a change to a message the index has not reached yet is left to its first indexing', () => {
    db.exec(`INSERT INTO messages (id, text) VALUES (4, 'delta'); INSERT INTO search_dirty (message_id) VALUES (4);`);
    db.exec(`UPDATE messages SET text = 'epsilon' WHERE id = 4; INSERT INTO search_dirty (message_id) VALUES (4);`);
    assert.equal(step(), 3);
    assert.deepEqual(indexed('epsilon'), [4]);
    assert.deepEqual(indexed('delta'), []);
    assert.equal(db.prepare<[], { n: number }>(`SELECT COUNT(*) AS n FROM search.message_grams WHERE message_grams MATCH '"eps"'`).get()!.n, 1, 'indexed once');
  });
});

describe('the inline index of a :memory: store', () => {
  it('finds messages at once and after its batch indexed them, edits included', async () => {
    const store = openSqliteStore(':memory:');
    try {
      const viewer = (await store.createUser({ username: 'mem', passwordHash: 'x', guest: false })).value.id;
      const roomId = (await store.getRoom('general', viewer))!.record.id;
      const author = { id: viewer, username: 'mem' };
      const a = (await store.postMessage({ roomId, author, text: 'Okapi one', clientId: null, replyTo: null })).value.message.id;
      const b = (await store.postMessage({ roomId, author, text: 'okapi two', clientId: null, replyTo: null })).value.message.id;
      const find = async (q: string) => (await store.lookups.messages(viewer, { terms: parseQuery(q), grams: queryGrams(parseQuery(q)), limit: 10, beforeKey: null })).messages.map((m) => m.id);
      assert.deepEqual(await find('okapi'), [b, a]);
      await store.editMessage(roomId, a, 'tapir one');
      assert.deepEqual(await find('okapi'), [b]);
      assert.deepEqual(await find('tapir'), [a]);
      assert.deepEqual(await find('ta'), [a]);
    } finally {
      await store.close();
    }
  });
});
