/**
 * The SQLite search index (storage/sqlite/search-index.ts) on a real store file: new messages are found
 * the moment they are committed (by the scan of the unindexed tail), indexed in batches, re-indexed when
 * edited or deleted, indexed at open after a restart, and a quiet store indexes its last messages by itself.
 * The index's own state is read from the file by a second connection.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { fold, matchExpression, parseQuery, queryGrams } from '../../src/core/fold.ts';
import { GroupCommit } from '../../src/storage/sqlite/group-commit.ts';
import { BATCH_MIN, SearchIndex } from '../../src/storage/sqlite/search-index.ts';
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
  /** What the file says: `through`, and the ids the index alone holds for a term. */
  function onDisk(term?: string): { through: number; indexed: number[] } {
    const db = new Database(file, { readonly: true });
    try {
      const through = db.prepare<[], { through: number }>('SELECT through FROM search_state').get()!.through;
      const indexed = term === undefined ? [] : db.prepare<[string], { rowid: number }>('SELECT rowid FROM message_grams WHERE message_grams MATCH ? ORDER BY rowid')
        .all(matchExpression([fold(term)])).map((r) => r.rowid);
      return { through, indexed };
    } finally {
      db.close();
    }
  }

  it('finds a message the moment it is committed, before and after it is indexed, and indexes in batches', async () => {
    const first = await post('Zebra crossing ahead');
    assert.deepEqual(await find('zebra'), [first], 'found from the unindexed tail');
    assert.deepEqual(await find('z'), [first], 'a 1-character term too');
    const ids = [first];
    for (let i = 0; i < BATCH_MIN + 10; i++) ids.push(await post(`filler ${i} zebra`));
    const { through, indexed } = await waitFor(() => {
      const d = onDisk('zebra');
      return d.through >= Number(ids[BATCH_MIN]) ? d : null;
    }, 'a batch indexed');
    assert.ok(through >= Number(ids[BATCH_MIN]));
    assert.deepEqual(indexed, ids.map(Number).filter((id) => id <= through), 'the index holds exactly the messages up to through');
    assert.deepEqual(await find('zebra'), [...ids].reverse(), 'index and tail together, newest first, each once');
  });

  it('a quiet store indexes its last messages by itself', async () => {
    const id = await post('the last word: quokka');
    await waitFor(() => onDisk().through >= Number(id), 'through reaches the last message');
    assert.deepEqual(onDisk('quokka').indexed, [Number(id)]);
  });

  it('edits and deletes count at once, for indexed messages and for unindexed ones', async () => {
    const old = await post('an old yak');
    await waitFor(() => onDisk().through >= Number(old), 'the old message indexed');
    const fresh = await post('a fresh yak');
    await store.editMessage(roomId, old, 'an old ibex');
    await store.editMessage(roomId, fresh, 'a fresh ibex');
    assert.deepEqual(await find('yak'), []);
    assert.deepEqual(await find('ibex'), [fresh, old]);
    await store.deleteMessage(roomId, old);
    assert.deepEqual(await find('ibex'), [fresh]);
    await waitFor(() => onDisk().through >= Number(fresh), 'the fresh message indexed');
    assert.deepEqual(onDisk('yak').indexed, [], 'no old text left in the index');
    assert.deepEqual(onDisk('ibex').indexed, [Number(fresh)], 'the edited text is what was indexed; the deleted one is out');
  });

  it('after a restart, what was not indexed yet is indexed at open', async () => {
    const id = await post('before the restart: narwhal');
    await store.close();
    store = openSqliteStore(file);
    assert.ok(onDisk().through >= Number(id));
    assert.deepEqual(onDisk('narwhal').indexed, [Number(id)]);
    assert.deepEqual(await find('narwhal'), [id]);
  });
});

describe('SearchIndex in the group commit', () => {
  it('a use case that throws drops the re-indexing it queued; the rest of the batch is applied', async () => {
    const db = new Database(':memory:');
    db.exec(`CREATE VIRTUAL TABLE message_grams USING fts5(grams, content='', contentless_delete=1, detail='none', tokenize='ascii', prefix='1 2');
      CREATE TABLE messages (id INTEGER PRIMARY KEY, search_text TEXT, deleted INTEGER NOT NULL DEFAULT 0);
      CREATE TABLE search_state (id INTEGER PRIMARY KEY, through INTEGER NOT NULL);
      INSERT INTO search_state VALUES (1, 2);
      INSERT INTO messages (id, search_text) VALUES (1, 'one'), (2, 'two');
      INSERT INTO message_grams (rowid, grams) VALUES (1, 'one'), (2, 'two');`);
    const index = new SearchIndex({
      insert: db.prepare('INSERT INTO message_grams (rowid, grams) VALUES (?, ?)'),
      remove: db.prepare('DELETE FROM message_grams WHERE rowid = ?'),
      unindexed: db.prepare('SELECT id, search_text FROM messages WHERE id > ? AND deleted = 0 ORDER BY id LIMIT ?'),
      getThrough: db.prepare('SELECT through FROM search_state'),
      setThrough: db.prepare('UPDATE search_state SET through = ?'),
    }, 2);
    const batch = new GroupCommit(db, () => () => {}, index);
    const find = (term: string) => db.prepare<[string], { rowid: number }>('SELECT rowid FROM message_grams WHERE message_grams MATCH ? ORDER BY rowid').all(matchExpression([term])).map((r) => r.rowid);
    const ok = batch.run(() => index.replace(1, 'kept'));
    const failed = batch.run(() => {
      index.replace(2, 'kept too?');
      throw new Error('use case failed');
    });
    await assert.rejects(failed, /use case failed/);
    await ok;
    assert.deepEqual(find('kept'), [1]);
    assert.deepEqual(find('two'), [2], 'the failed re-index left message 2 alone');
    index.close();
  });
});
