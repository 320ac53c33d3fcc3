/**
 * Property test (fast-check) of issue 17 target 3, on SQLite and PostgreSQL: a replay (core/replay.ts) sends,
 * byte for byte, what the store's `readEvents` says the user could see, whichever source it used.
 *
 * Each run makes random history through the real Store: posts in public and private rooms, joins, leaves,
 * DMs, display-name changes (`user_updated`, room 0, for everyone) and room updates. The hub is fed the log
 * from a random position on (a node that started late: its tail lacks the oldest events). Then, for random
 * users, cursors and budgets, the replay's bytes must equal the frames of `readEvents(user, cursor, head)`;
 * and when the tail holds the range and the user's rooms did not change after the cursor, the store must not
 * have been asked at all (the memory path really ran).
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import { encodeCursor } from '../../src/core/cursor.ts';
import { Hub } from '../../src/core/hub.ts';
import { Replayer } from '../../src/core/replay.ts';
import { encodeEvent } from '../../src/core/sse-frame.ts';
import { Subscriber } from '../../src/core/subscriber.ts';
import type { LogEvent } from '../../src/core/types.ts';
import type { Store } from '../../src/storage/store.ts';
import { RecordingSink } from '../helpers/core-fakes.ts';
import { describeEachStoreDirect } from '../helpers/stores.ts';
import { uniq } from '../helpers/wait.ts';

const USERS = 4;
const ROOMS = 3; // room 1 is private

type Op =
  | { k: 'post'; u: number; r: number }
  | { k: 'join' | 'leave'; u: number; r: number }
  | { k: 'dm'; u: number; v: number }
  | { k: 'profile'; u: number }
  | { k: 'topic'; r: number };

const u = fc.nat(USERS - 1);
const r = fc.nat(ROOMS - 1);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ k: fc.constant('post' as const), u, r }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constantFrom('join' as const, 'leave' as const), u, r }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('dm' as const), u, v: u }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('profile' as const), u }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('topic' as const), r }) },
);
const caseArb = fc.record({ u, cursorFrac: fc.double({ min: 0, max: 1, noNaN: true }), quiet: fc.boolean(), budget: fc.constantFrom(600, 2048, 1 << 20) });

/** The frames `readEvents` says user `userId` gets after `after`, joined: what any replay must send. */
async function expected(store: Store, userId: string, after: number, head: number): Promise<Buffer> {
  const events = await store.readEvents(userId, after, head, 1_000_000);
  return Buffer.concat(events.map((e) => Buffer.from(encodeEvent(e.type, e.data, encodeCursor(e.pos, store.logId)))));
}

async function runProperty(open: () => Promise<Store>, numRuns: number): Promise<{ memory: number; store: number; cases: number }> {
  const store = await open();
  const seen = { memory: 0, store: 0, cases: 0 };
  try {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 5, maxLength: 40 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.array(caseArb, { minLength: 1, maxLength: 8 }),
        async (ops, startFrac, cases) => {
          const ids: string[] = [];
          const names: string[] = [];
          for (let i = 0; i < USERS; i++) {
            names.push(uniq(`rt${i}`));
            ids.push((await store.createUser({ username: names[i]!, passwordHash: 'x', guest: false })).value.id);
          }
          const rooms: number[] = [];
          const runStart = await store.head();
          for (let i = 0; i < ROOMS; i++) {
            const name = uniq('rtr');
            await store.createRoom({ name, topic: '', visibility: i === 1 ? 'private' : 'public', ownerId: ids[i]! });
            rooms.push((await store.getRoom(name, ids[i]!))!.record.id);
          }
          for (const op of ops) {
            const user = (i: number) => ({ id: ids[i]!, username: names[i]! });
            if (op.k === 'post') await store.postMessage({ roomId: rooms[op.r]!, author: user(op.u), text: `m ${op.u}`, clientId: null });
            else if (op.k === 'join') await store.addMember(rooms[op.r]!, ids[op.u]!, 'member');
            else if (op.k === 'leave') await store.removeMember(rooms[op.r]!, ids[op.u]!);
            else if (op.k === 'dm' && op.u !== op.v) await store.openDm(ids[op.u]!, ids[op.v]!);
            else if (op.k === 'profile') await store.admin.setProfile(ids[op.u]!, { displayName: uniq('dn') });
            else if (op.k === 'topic') await store.updateRoom(rooms[op.r]!, { topic: uniq('t') }, ids[op.r]!);
          }
          // A node that started at `start`: its hub got every event from there on, in order (as the Feed delivers).
          const head = await store.head();
          const start = runStart + 1 + Math.floor(startFrac * (head - runStart));
          const hub = new Hub(store.logId, { delivered: () => {} });
          const log: LogEvent[] = await store.readLog(start - 1, head, 1_000_000);
          hub.deliver(log);

          for (const c of cases) {
            const userId = ids[c.u]!;
            const snap = await store.memberRooms(userId);
            // Any cursor of this run, or (quiet) one inside the tail after the user's last change of rooms.
            const changes = log.filter((e) => e.subject === userId && (e.type === 'member_joined' || e.type === 'member_left'));
            const low = c.quiet ? Math.max(start - 1, changes.at(-1)?.pos ?? 0) : runStart;
            const cursor = low + Math.floor(c.cursorFrac * (snap.head - low));
            let asked = 0;
            const counting = { readEvents: (...a: Parameters<Store['readEvents']>) => (asked++, store.readEvents(...a)) };
            const replayer = new Replayer(counting, hub, { budget: c.budget });
            const sink = new RecordingSink();
            const sub = new Subscriber({ userId, username: 'x', sessionId: 's', ip: '-' }, sink, c.budget, () => {});
            sub.replayFrom(cursor);
            await replayer.run(sub, userId, snap.roomIds, snap.head);
            sub.flush();
            assert.equal(sub.closed, false);
            const got = Buffer.concat(sink.writes);
            const want = await expected(store, userId, cursor, snap.head);
            assert.equal(got.toString(), want.toString(), `user ${c.u}, cursor ${cursor}, head ${snap.head}, tail from ${start}`);
            const changedAfter = changes.some((e) => e.pos > cursor);
            if (cursor >= start - 1 && cursor < snap.head && !changedAfter) {
              assert.equal(asked, 0, 'inside the tail, rooms unchanged: replayed from memory');
              seen.memory++;
            } else if (asked > 0) seen.store++;
            seen.cases++;
          }
        }),
      { numRuns },
    );
  } finally {
    await store.close();
  }
  return seen;
}

const RUNS = Number(process.env.NATTER_PROPERTY_RUNS ?? 40);

describeEachStoreDirect('replay from memory equals the store', (open) => {
  it(`${RUNS} random runs`, { timeout: 120_000 }, async () => {
    const seen = await runProperty(open, RUNS);
    assert.ok(seen.memory > seen.cases / 5 && seen.store > seen.cases / 10, `memory path in ${seen.memory}, store in ${seen.store} of ${seen.cases} cases`);
  });
});
