/**
 * PostgreSQL search in steps (storage/postgres/lookups.ts): the newest positions scanned in message_order,
 * then the GIN index (at most `searchFew` matches of the whole log; then windows of 8× more positions each,
 * then the whole log). Only 2 positions are scanned here, and 1 match read (then windows of 16 and 128
 * positions over about 45), so pages come from every step:
 * the order is the commit order (message_order.pos) even for a message whose transaction committed after
 * others with newer ids, paging returns every match once, and edits and deletes show in both steps at once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { fold, parseQuery, queryGrams } from '../../src/core/fold.ts';
import { openPostgresStore, type PostgresStore } from '../../src/storage/postgres/postgres-store.ts';
import { createDatabase, type TestDatabase } from '../helpers/cluster.ts';

describe('search windows on PostgreSQL', () => {
  let db: TestDatabase;
  let store: PostgresStore;
  let viewer: string;
  const ids: string[] = [];
  before(async () => {
    db = await createDatabase();
    store = await openPostgresStore(db.url, { poolSize: 2, searchWindow: 2, searchFew: 1 });
    const user = await store.createUser({ username: 'viewer', passwordHash: 'x', guest: false });
    viewer = user.value.id;
    const room = (await store.getRoom('general', viewer))!.record;
    await store.addMember(room.id, viewer, 'member');
    for (let i = 0; i < 40; i++) {
      const text = i % 3 === 0 ? `needle ${i}` : `hay ${i}`;
      const res = await store.postMessage({ roomId: room.id, author: { id: viewer, username: 'viewer' }, text, clientId: null, replyTo: null });
      ids.push(res.value.message.id);
    }
  });
  after(async () => {
    await store?.close();
    await db?.drop();
  });

  async function all(q: string, limit: number): Promise<string[]> {
    const terms = parseQuery(q);
    const out: string[] = [];
    let beforeKey: number | null = null;
    for (;;) {
      const res = await store.lookups.messages(viewer, { terms, grams: queryGrams(terms), limit, beforeKey });
      out.push(...res.messages.map((m) => m.id));
      if (res.nextKey === null) return out;
      beforeKey = res.nextKey;
    }
  }

  it('pages through every match once, newest first', async () => {
    const want = ids.filter((_, i) => i % 3 === 0).reverse();
    assert.equal(fold('needle'), 'needle');
    for (const limit of [1, 2, 5, 20]) assert.deepEqual(await all('needle', limit), want, `pages of ${limit}`);
  });

  it('a query of 1- or 2-character terms with whitespace only (not in the index) scans older windows, and pages the same way', async () => {
    assert.deepEqual(queryGrams(parseQuery('"e "')), [], 'not an index lookup');
    const want = ids.filter((_, i) => i % 3 === 0).reverse();
    for (const limit of [1, 2, 5, 20]) assert.deepEqual(await all('"e "', limit), want, `pages of ${limit}`);
    const ones = ids.filter((_, i) => i % 3 === 0 && String(i).startsWith('1')).reverse();
    assert.deepEqual(await all('"e " " 1"', 3), ones, 'two such terms, both confirmed');
    assert.deepEqual(await all('" "', 4), [...ids].reverse(), 'a lone space');
  });

  it('a term with few matches in the whole log is answered by one index step, the same way', async () => {
    const few = await openPostgresStore(db.url, { poolSize: 1, searchWindow: 2, searchFew: 1000 });
    try {
      // No match among the 2 newest positions ('hay 38', 'needle 39'): the index step that reads every match.
      const want = ids.filter((_, i) => i % 3 === 0 && String(i).includes('1')).reverse();
      const terms = parseQuery('needle 1');
      for (const limit of [1, 2, 5, 20]) {
        const out: string[] = [];
        for (let beforeKey: number | null = null; ;) {
          const res = await few.lookups.messages(viewer, { terms, grams: queryGrams(terms), limit, beforeKey });
          out.push(...res.messages.map((m) => m.id));
          if (res.nextKey === null) break;
          beforeKey = res.nextKey;
        }
        assert.deepEqual(out, want, `pages of ${limit}`);
      }
    } finally {
      await few.close();
    }
  });

  it('a message that committed late, with an older id than the messages around it, is in commit order', async () => {
    // As if the first post's transaction had taken its log position after the 30th post's: the first post
    // moves to the 30th's position and posts 1-30 each move down one. Its id is then older than every
    // message near its position, so the floor ids of the positions before it drop to its id (as the write
    // path would have set them), and the window that holds it must still find it.
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const pos = async (id: string) => Number((await client.query<{ pos: string }>('SELECT pos FROM message_order WHERE message_id = $1', [id])).rows[0]!.pos);
      const old: number[] = [];
      for (let i = 0; i <= 30; i++) old.push(await pos(ids[i]!));
      await client.query('BEGIN');
      for (let i = 0; i <= 30; i++) await client.query('UPDATE message_order SET pos = $1 WHERE message_id = $2', [-1 - i, ids[i]]);
      await client.query('UPDATE message_order SET pos = $1 WHERE message_id = $2', [old[30], ids[0]]);
      for (let i = 1; i <= 30; i++) await client.query('UPDATE message_order SET pos = $1 WHERE message_id = $2', [old[i - 1], ids[i]]);
      await client.query(`UPDATE message_order o SET floor_id = x.f FROM (
        SELECT message_id, min(message_id) OVER (ORDER BY pos DESC ROWS UNBOUNDED PRECEDING) AS f FROM message_order) x WHERE x.message_id = o.message_id`);
      await client.query('COMMIT');
    } finally {
      await client.end();
    }
    const needles = ids.map((id, i) => ({ id, i })).filter(({ i }) => i % 3 === 0);
    const rank = (i: number) => (i === 0 ? 30.5 : i);
    const want = needles.sort((a, b) => rank(b.i) - rank(a.i)).map(({ id }) => id);
    assert.equal(want[3], ids[0]);
    for (const limit of [1, 2, 3, 4, 6, 20]) assert.deepEqual(await all('needle', limit), want, `pages of ${limit}`);
  });

  it('the write path lowers the floor id of earlier positions when an older id takes a position', async () => {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      await client.query('BEGIN');
      const head = Number((await client.query<{ pos: string }>('SELECT pos FROM log_head WHERE id = 1')).rows[0]!.pos);
      const max = Number((await client.query<{ m: string }>('SELECT max(message_id) AS m FROM message_order')).rows[0]!.m);
      const room = (await client.query<{ id: string }>("SELECT id FROM rooms WHERE name = 'general'")).rows[0]!.id;
      const { SQL } = await import('../../src/storage/postgres/sql.ts');
      // Made-up message ids: a newer one takes a position first, then an older one (as a late commit would).
      const mk = async (id: number) => (await client.query("INSERT INTO messages (id, room_id, seq, author_id, text, created_at) OVERRIDING SYSTEM VALUE VALUES ($1, $2, $4, $3, 'x', now())", [id, room, viewer, -id]));
      // appendPosts for a batch of messages (ids, floors): one position each, in order, after the head.
      const place = async (ids: number[], floors: number[]) => Number((await client.query<{ base: string }>(SQL.appendPosts, [
        ids.length, ids.map(() => room), ids.map(() => 'message'), ids.map(() => viewer), ids.map(() => '{}'), ids, ids.map(() => 'x'), floors,
      ])).rows[0]!.base);
      for (const id of [20, 10, 40, 30]) await mk(max + id);
      assert.equal(await place([max + 20], [max + 20]), head);
      const floors = async () => (await client.query<{ id: string; f: string }>('SELECT message_id AS id, floor_id AS f FROM message_order WHERE pos > $1 ORDER BY pos', [head - 2])).rows.map((r) => [Number(r.id), Number(r.f)]);
      assert.deepEqual((await floors()).slice(-1), [[max + 20, max + 20]]);
      assert.equal(await place([max + 10], [max + 10]), head + 1);
      const after = await floors();
      assert.deepEqual(after.slice(-2), [[max + 20, max + 10], [max + 10, max + 10]]);
      assert.ok(after.slice(0, -2).every(([id, f]) => f === Math.min(id!, max + 10)), 'every earlier floor is at most the new id');
      // A batch of two: positions head + 3, head + 4 in batch order; the log's head moved by two.
      assert.equal(await place([max + 40, max + 30], [max + 30, max + 30]), head + 2);
      assert.deepEqual((await floors()).slice(-2), [[max + 40, max + 30], [max + 30, max + 30]]);
      assert.equal(Number((await client.query<{ pos: string }>('SELECT pos FROM log_head WHERE id = 1')).rows[0]!.pos), head + 4);
      const events = await client.query<{ pos: string }>('SELECT pos FROM events WHERE pos > $1 ORDER BY pos', [head]);
      assert.deepEqual(events.rows.map((r) => Number(r.pos)), [head + 1, head + 2, head + 3, head + 4]);
    } finally {
      await client.query('ROLLBACK');
      await client.end();
    }
  });

  it('an edit or a delete changes what both steps find, at once', async () => {
    const room = (await store.getRoom('general', viewer))!.record;
    const newest = ids[ids.length - 1]!; // 'hay 39', in the scanned positions
    const oldest = ids[1]!; // 'hay 1', only reachable through the index
    await store.editMessage(room.id, newest, 'a needle now', () => false);
    await store.editMessage(room.id, oldest, 'needle too', () => false);
    await store.deleteMessage(room.id, ids[36]!); // 'needle 36'
    const got = await all('needle', 2);
    assert.equal(got[0], newest);
    assert.deepEqual(got.slice(-2), [ids[3]!, oldest], 'the edited old message, now at the oldest position (see above), is the last match');
    assert.ok(!got.includes(ids[36]!), 'a deleted message is not found');
    assert.deepEqual(await all('"hay 39"', 5), [], 'the old text of an edited message is not found');
    assert.deepEqual(await all('"hay 1"', 2), [19, 17, 16, 14, 13, 11, 10].map((i) => ids[i]!), 'the edited "hay 1" is gone from its old text');
  });
});
