/** The Store contract on PostgreSQL: a fresh database per run (dropped after), opened twice like two nodes. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { openPostgresStore } from '../../src/storage/postgres/postgres-store.ts';
import type { Store } from '../../src/storage/store.ts';
import { createDatabase, type TestDatabase } from '../helpers/cluster.ts';
import { uniq, waitFor } from '../helpers/wait.ts';
import { describeStore } from './store.contract.ts';

describeStore('postgres', async () => {
  const db = await createDatabase();
  const opened: Store[] = [];
  return {
    async open() {
      const s = await openPostgresStore(db.url, { poolSize: 5, connectTimeoutMs: 5000 });
      opened.push(s);
      return s;
    },
    async cleanup() {
      for (const s of opened) await s.close();
      await db.drop();
    },
  };
});

/**
 * PostgreSQL-specific evidence for STYLE habit 7, which the contract's concurrent
 * test can only sample: hold one appending transaction open *after* it took its
 * position (its member_spans insert is blocked by a table lock), and post in
 * another room from a second store meanwhile. With positions from a sequence the
 * post would commit N+1 while N is still invisible; with the log_head row the
 * post must wait, and a reader never sees a hole below the head.
 */
describe('PostgreSQL positions: commit order with a transaction held open', () => {
  let db: TestDatabase;
  const opened: Store[] = [];
  before(async () => {
    db = await createDatabase();
  });
  after(async () => {
    for (const s of opened) await s.close();
    await db?.drop();
  });

  it('a later append waits for an earlier open one; the head never passes a hole', async () => {
    const s1 = await openPostgresStore(db.url, { poolSize: 3 });
    const s2 = await openPostgresStore(db.url, { poolSize: 3 });
    opened.push(s1, s2);
    const owner = (await s1.createUser({ username: uniq('own'), passwordHash: null, guest: true })).value;
    const bob = (await s1.createUser({ username: uniq('bob'), passwordHash: null, guest: true })).value;
    const r1 = (await s1.createRoom({ name: uniq('r'), topic: '', visibility: 'public', ownerId: owner.id })).value;
    const r2 = (await s1.createRoom({ name: uniq('r'), topic: '', visibility: 'public', ownerId: owner.id })).value;
    const id1 = (await s1.getRoom(r1.name, owner.id))!.record.id;
    const id2 = (await s1.getRoom(r2.name, owner.id))!.record.id;
    const start = await s1.head();

    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    const waiting = async (): Promise<number> =>
      Number((await admin.query("SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'")).rows[0].n);
    try {
      await admin.query('BEGIN');
      await admin.query('LOCK TABLE member_spans IN SHARE ROW EXCLUSIVE MODE');
      const join = s1.addMember(id1, bob.id, 'member'); // takes position start+1, then blocks on member_spans
      await waitFor(async () => (await waiting()) >= 1, 'the join to block after taking its position');
      let postDone = false;
      const posted = s2.postMessage({ roomId: id2, author: owner, text: 'later', clientId: null }).finally(() => (postDone = true));
      await waitFor(async () => postDone || (await waiting()) >= 2, 'the post to either finish or wait');

      const head = await s2.head();
      const visible = await s2.readLog(start, head, 100);
      assert.equal(visible.length, head - start, `head ${head} but only ${visible.length} of ${head - start} positions visible`);
      assert.equal(postDone, false, 'the post waited for the open append');

      await admin.query('ROLLBACK');
      const [joined, post] = await Promise.all([join, posted]);
      assert.equal(joined.events[0]!.pos, start + 1);
      assert.equal(post.events[0]!.pos, start + 2);
      assert.deepEqual((await s1.readLog(start, await s1.head(), 10)).map((e) => e.pos), [start + 1, start + 2]);
    } finally {
      await admin.query('ROLLBACK').catch(() => {});
      await admin.end();
    }
  });
});

/**
 * A push delivery and a read marker committing together (READ COMMITTED): without a lock each would miss the
 * other (the delivery sees the marker unmoved, the reader's closer finds nothing pushed yet) and the pushed
 * notification would never be taken back. Hold the marker's transaction open: the delivery must wait for it and
 * then queue the `close` itself.
 */
describe('PostgreSQL push delivery: a read marker committing at the same time', () => {
  let db: TestDatabase;
  let store: Store | undefined;
  before(async () => {
    db = await createDatabase();
  });
  after(async () => {
    await store?.close();
    await db?.drop();
  });

  it('the delivery waits for the open marker write and queues the close', async () => {
    const s = (store = await openPostgresStore(db.url, { poolSize: 4 }));
    const alice = (await s.createUser({ username: uniq('a'), passwordHash: null, guest: true })).value;
    const bob = (await s.createUser({ username: uniq('b'), passwordHash: null, guest: true })).value;
    const name = (await s.createRoom({ name: uniq('r'), topic: '', visibility: 'public', ownerId: alice.id })).value.name;
    const roomId = (await s.getRoom(name, alice.id))!.record.id;
    await s.addMember(roomId, bob.id, 'member');
    const msg = (await s.postMessage({ roomId, author: alice, text: 'hello', clientId: null })).value.message;
    const sessionId = await s.sessions.create(bob.id, Buffer.alloc(32, 7), null);
    await s.push.subscribe({ id: uniq('sub'), userId: bob.id, sessionId, endpoint: `https://push.test/${uniq('e')}`, p256dh: 'k', auth: 'a' }, 10);
    const subId = (await s.push.subscriptions(bob.id))[0]!.id;
    const work = s.push.work;
    const close = (room: string, seq: number): string => JSON.stringify({ type: 'close', room, seq });
    const now = Date.now();
    const c = await work.cursor('race', 0);
    assert.ok(await work.enqueue('race', c, c, [{ subscriptionId: subId, userId: bob.id, roomId, seq: msg.seq, kind: 'message', payload: '{}', count: 1 }], now));
    const [queued] = await work.claim(10, now, 60_000);
    assert.equal(queued?.kind, 'message');

    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    try {
      await admin.query('BEGIN');
      await admin.query('UPDATE members SET read_seq = $3 WHERE room_id = $1 AND user_id = $2', [roomId, Number(bob.id), msg.seq]);
      let done = false;
      const delivered = work.delivered(queued!.id, now, close).finally(() => (done = true));
      const waiting = async (): Promise<boolean> =>
        Number((await admin.query("SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'")).rows[0].n) >= 1;
      await waitFor(async () => done || (await waiting()), 'the delivery to finish or wait');
      assert.equal(done, false, 'the delivery waited for the open read marker');
      await admin.query('COMMIT');
      await delivered;
    } finally {
      await admin.query('ROLLBACK').catch(() => {});
      await admin.end();
    }
    const closes = await work.claim(10, Date.now(), 60_000);
    assert.deepEqual(closes.map((q) => [q.kind, q.seq, q.payload]), [['close', msg.seq, close(name, msg.seq)]]);
  });
});
