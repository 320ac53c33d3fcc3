/**
 * Group commit of posts on PostgreSQL (src/storage/postgres/post-batch.ts): the posts that queue in one tick
 * are written in one transaction, one statement taking log_head once for all of them. Positions stay gapless
 * and in commit order, each post keeps its own outcome (a failing one fails alone, an idempotent retry returns
 * the original), and a connection lost mid-batch fails every post of the batch with nothing committed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import type { User } from '../../src/core/types.ts';
import { openPostgresStore, type PostgresStore } from '../../src/storage/postgres/postgres-store.ts';
import type { NewPost } from '../../src/storage/store.ts';
import { createDatabase, type TestDatabase } from '../helpers/cluster.ts';
import { uniq, waitFor } from '../helpers/wait.ts';

describe('PostgreSQL group commit of posts', () => {
  let db: TestDatabase;
  let s1: PostgresStore;
  let s2: PostgresStore;
  let admin: pg.Client;
  let owner: User;
  const rooms: number[] = [];

  before(async () => {
    db = await createDatabase();
    s1 = await openPostgresStore(db.url, { poolSize: 4 });
    s2 = await openPostgresStore(db.url, { poolSize: 4 });
    admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    owner = (await s1.createUser({ username: uniq('own'), passwordHash: null, guest: true })).value;
    for (let i = 0; i < 3; i++) {
      const name = (await s1.createRoom({ name: uniq('r'), topic: '', visibility: 'public', ownerId: owner.id })).value.name;
      rooms.push((await s1.getRoom(name, owner.id))!.record.id);
    }
  });
  after(async () => {
    await admin?.end();
    await s1?.close();
    await s2?.close();
    await db?.drop();
  });

  const input = (roomId: number, text: string, more: Partial<NewPost> = {}): NewPost => ({ roomId, author: owner, text, clientId: null, ...more });
  /** The transaction id that wrote each event (one statement of one transaction writes a whole batch's events). */
  const writers = async (positions: number[]) =>
    new Set((await admin.query<{ x: string }>('SELECT xmin::text AS x FROM events WHERE pos = ANY($1::bigint[])', [positions])).rows.map((r) => r.x));

  it('posts of one tick share one append; positions gapless, in order, and each room’s seqs follow them', async () => {
    const start = await s1.head();
    // Rooms out of order on purpose: the batch writes them sorted by room id, one room's posts in arrival order.
    const order = [2, 0, 1, 0, 2, 1, 0, 0, 2, 1];
    const posted = await Promise.all(order.map((r, i) => s1.postMessage(input(rooms[r]!, `p${i}`))));
    const positions = posted.map((p) => p.events[0]!.pos);
    assert.deepEqual([...positions].sort((a, b) => a - b), order.map((_, i) => start + i + 1), 'gapless from the old head');
    assert.equal(await s1.head(), start + order.length);
    assert.equal((await writers(positions)).size, 1, 'one statement of one transaction appended the whole batch');
    const log = await s2.readLog(start, start + order.length, 100);
    assert.deepEqual(log.map((e) => e.pos), positions.slice().sort((a, b) => a - b));
    for (const p of posted) assert.equal(log.find((e) => e.pos === p.events[0]!.pos)!.data, p.events[0]!.data);
    for (const r of [0, 1, 2]) {
      const mine = posted.filter((_, i) => order[i] === r);
      // Arrival order within a room: seq and position both increase with it.
      assert.deepEqual(mine.map((p) => p.value.message.text), order.map((x, i) => [x, `p${i}`] as const).filter(([x]) => x === r).map(([, t]) => t));
      for (let i = 1; i < mine.length; i++) {
        assert.equal(mine[i]!.value.message.seq, mine[i - 1]!.value.message.seq + 1);
        assert.ok(mine[i]!.events[0]!.pos > mine[i - 1]!.events[0]!.pos);
      }
    }
  });

  it('two nodes posting at once: gapless positions, and a reader never sees a hole below the head', async () => {
    const start = await s1.head();
    let holes = 0;
    let reading = true;
    const reader = (async () => {
      while (reading) {
        const head = await s2.head();
        if ((await s2.readLog(start, head, 1000)).length !== head - start) holes++;
      }
    })();
    const posts = Array.from({ length: 60 }, (_, i) => ((i % 2 ? s1 : s2).postMessage(input(rooms[i % 3]!, `c${i}`))));
    const posted = await Promise.all(posts);
    reading = false;
    await reader;
    assert.equal(holes, 0);
    const positions = posted.map((p) => p.events[0]!.pos).sort((a, b) => a - b);
    assert.deepEqual(positions, posted.map((_, i) => start + i + 1));
    for (const r of rooms) {
      const mine = posted.filter((p) => p.events[0]!.roomId === r).sort((a, b) => a.events[0]!.pos - b.events[0]!.pos);
      assert.deepEqual(mine.map((p) => p.value.message.seq), mine.map((_, i) => mine[0]!.value.message.seq + i), 'room seq in position order');
    }
  });

  it('a failing post fails alone: the others of its batch commit, with no gap in positions or seqs', async () => {
    const start = await s1.head();
    const seq0 = (await s1.listMessages(rooms[1]!, { limit: 1 }))[0]!.seq;
    const results = await Promise.allSettled([
      s1.postMessage(input(rooms[1]!, 'first')),
      s1.postMessage(input(999_999, 'no such room')),
      s1.postMessage(input(rooms[1]!, 'bad reply', { replyTo: '999999' })),
      // Fails after its message row, seq and mentions were written: its savepoint takes them back.
      s1.postMessage(input(rooms[1]!, 'bad attachment @room', { attachments: ['no-such-upload'] })),
      s1.postMessage(input(rooms[1]!, 'last')),
    ]);
    const codes = results.map((r) => (r.status === 'fulfilled' ? 'ok' : (r.reason as { code?: string }).code));
    assert.deepEqual(codes, ['ok', 'not_found', 'invalid_reply_to', 'invalid_attachment', 'ok']);
    const [a, , , , e] = results.map((r) => (r.status === 'fulfilled' ? r.value : null));
    assert.deepEqual([a!.events[0]!.pos, e!.events[0]!.pos], [start + 1, start + 2]);
    assert.deepEqual([a!.value.message.seq, e!.value.message.seq], [seq0 + 1, seq0 + 2]);
    assert.equal((await writers([start + 1, start + 2])).size, 1, 'the two went in one batch');
    assert.deepEqual((await s1.listMessages(rooms[1]!, { limit: 3 })).map((m) => m.text).slice(-2), ['first', 'last']);
    assert.equal(await s1.head(), start + 2);
  });

  it('idempotent: a repeated client_id in the same batch, on the other node at once, and later returns the original', async () => {
    const start = await s1.head();
    const k = uniq('k');
    const same = await Promise.all([
      s1.postMessage(input(rooms[0]!, 'once', { clientId: k })),
      s1.postMessage(input(rooms[0]!, 'once', { clientId: k })),
      s2.postMessage(input(rooms[0]!, 'once', { clientId: k })),
    ]);
    assert.equal(new Set(same.map((p) => p.value.message.id)).size, 1);
    assert.deepEqual(same.map((p) => p.value.created).filter(Boolean), [true]);
    assert.deepEqual(same.flatMap((p) => p.events).map((e) => e.pos), [start + 1]);
    const later = await s2.postMessage(input(rooms[0]!, 'once', { clientId: k }));
    assert.deepEqual([later.value.created, later.value.message.id, later.events], [false, same[0]!.value.message.id, []]);
    assert.equal(await s1.head(), start + 1);
  });

  it('a connection lost mid-batch fails every post of the batch; nothing of it is committed', async () => {
    const start = await s1.head();
    const before = await Promise.all(rooms.map(async (r) => (await s1.listMessages(r, { limit: 1 }))[0]?.seq));
    // Hold the last room's row: the batch writes the posts of rooms[0] and rooms[1] first, then waits on it.
    await admin.query('BEGIN');
    await admin.query('SELECT 1 FROM rooms WHERE id = $1 FOR UPDATE', [rooms[2]]);
    const batch = Promise.allSettled([rooms[2]!, rooms[0]!, rooms[1]!].map((r) => s1.postMessage(input(r, 'lost'))));
    const blocked = await waitFor(async () => (await admin.query<{ pid: number }>(
      "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()",
    )).rows[0]?.pid, 'the batch to wait on the held room');
    await admin.query('SELECT pg_terminate_backend($1)', [blocked]);
    const results = await batch;
    await admin.query('ROLLBACK');
    assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected', 'rejected']);
    assert.equal(await s1.head(), start, 'no position taken');
    assert.deepEqual(await Promise.all(rooms.map(async (r) => (await s1.listMessages(r, { limit: 1 }))[0]?.seq)), before, 'no message, no seq');
    // The node goes on: the next post takes the next position.
    assert.equal((await s1.postMessage(input(rooms[0]!, 'after'))).events[0]!.pos, start + 1);
  });
});
