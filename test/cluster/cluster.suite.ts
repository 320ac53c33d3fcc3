/**
 * Two nodes in this process, each with its own PostgresStore on one fresh
 * database, joined by a broker. One suite, run over the in-process LocalBus and
 * again over a real Redis (STYLE habit 4). Everything is observed the way a user
 * would: HTTP requests and raw SSE streams on real sockets.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Broker } from '../../src/broker/broker.ts';
import { Api, newUser } from '../helpers/api.ts';
import { createDatabase, startLocalNode, type LocalNode, type TestDatabase } from '../helpers/cluster.ts';
import { dataOf, openEvents, texts, untilReady, type RawStream } from '../helpers/sse.ts';
import { uniq, waitFor } from '../helpers/wait.ts';

export interface BrokerFactory {
  /** A new broker for one node; all brokers of one factory reach each other. */
  broker(): Promise<Broker>;
  cleanup(): Promise<void>;
}

/** Seqs of the `message` events of `room` a stream received, in arrival order. */
const seqsIn = (s: RawStream, room: string): number[] => dataOf<{ message: { seq: number } }>(s.events, 'message', room).map((d) => d.message.seq);

export function describeCluster(name: string, factory: () => Promise<BrokerFactory>): void {
  describe(`two nodes over ${name}`, () => {
    let db: TestDatabase;
    let brokers: BrokerFactory;
    let a: LocalNode;
    let b: LocalNode;
    const streams: RawStream[] = [];
    const open = async (node: LocalNode, token: string, lastEventId?: string): Promise<RawStream> => {
      const s = await openEvents(node.url, token, { lastEventId, ready: false });
      streams.push(s);
      return untilReady(s);
    };

    before(async () => {
      db = await createDatabase();
      brokers = await factory();
      a = await startLocalNode(db.url, await brokers.broker());
      b = await startLocalNode(db.url, await brokers.broker());
    });
    after(async () => {
      for (const s of streams) s.close();
      await a?.close();
      await b?.close();
      await brokers?.cleanup();
      await db?.drop();
    });

    /** Alice (registered on A) owns a fresh room; Bob (registered on B) joined it on B. */
    const pair = async () => {
      const alice = await newUser(a.url, 'alice');
      const bob = await newUser(b.url, 'bob');
      const room = uniq('room');
      assert.equal((await alice.api.post('/api/v1/rooms', { name: room, visibility: 'public' })).status, 201);
      assert.equal((await bob.api.post(`/api/v1/rooms/${room}/join`)).status, 200);
      return { alice, bob, room };
    };
    const say = async (api: Api, room: string, text: string) => {
      const r = await api.post(`/api/v1/rooms/${room}/messages`, { text });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      return r.body.message as { seq: number; text: string };
    };
    const onBNode = (api: Api): Api => new Api(b.url, api.token);

    it('a post on A reaches a stream on B exactly once, and A\'s own streams once (no echo)', async () => {
      const { alice, bob, room } = await pair();
      const bobOnB = await open(b, bob.token);
      const aliceOnA = await open(a, alice.token);
      const aliceOnB = await open(b, alice.token);
      await say(alice.api, room, 'hello from A');
      await say(alice.api, room, 'marker');
      for (const s of [bobOnB, aliceOnA, aliceOnB]) {
        await s.waitFor(() => texts(s, room).includes('marker'), 'marker');
        assert.deepEqual(texts(s, room), ['hello from A', 'marker']);
      }
    });

    it('a stream on B resumes from a cursor that A gave', async () => {
      const { alice, room } = await pair();
      const first = await open(a, alice.token);
      await say(alice.api, room, 'm1');
      await first.waitFor(() => texts(first, room).includes('m1'), 'm1 on A');
      const cursor = first.lastEventId;
      first.close();
      await say(alice.api, room, 'm2');
      await say(onBNode(alice.api), room, 'm3');
      const resumed = await open(b, alice.token, cursor);
      await resumed.waitFor(() => texts(resumed, room).includes('m3'), 'm3 on B');
      assert.deepEqual(texts(resumed, room), ['m2', 'm3']);
      assert.equal(resumed.events.filter((e) => e.event === 'reset').length, 0);
      const readyData = dataOf<{ cursor: string }>(resumed.events, 'ready')[0]!;
      assert.equal(readyData.cursor, cursor);
    });

    it('concurrent posts on both nodes keep seq gapless, and every stream gets them in order once', async () => {
      const { alice, bob, room } = await pair();
      const sA = await open(a, bob.token);
      const sB = await open(b, alice.token);
      const n = 30;
      const posted = await Promise.all(Array.from({ length: n }, (_, i) => say(i % 2 ? alice.api : bob.api, room, `c${i}`)));
      const all = Array.from({ length: n }, (_, i) => i + 1);
      assert.deepEqual(posted.map((m) => m.seq).sort((x, y) => x - y), all);
      for (const s of [sA, sB]) {
        await s.waitFor(() => seqsIn(s, room).length >= n, `${n} messages`);
        assert.deepEqual(seqsIn(s, room), all);
      }
    });

    it('presence crosses nodes: a stream on B makes its user online on A, and closing it makes them offline', async () => {
      const { alice, bob, room } = await pair();
      const bobOnA = await open(a, bob.token);
      const onlineOnA = async (userId: string) =>
        ((await new Api(a.url, bob.token).get(`/api/v1/rooms/${room}/members`)).body.members as { user: { id: string }; online: boolean }[])
          .find((m) => m.user.id === userId)?.online;
      assert.equal(await onlineOnA(alice.id), false);
      const aliceOnB = await open(b, alice.token);
      const presence = () => dataOf<{ user: { id: string }; online: boolean }>(bobOnA.events, 'presence').filter((p) => p.user.id === alice.id).map((p) => p.online);
      await bobOnA.waitFor(() => presence().includes(true), 'alice online on A');
      assert.equal(await onlineOnA(alice.id), true);
      aliceOnB.close();
      await bobOnA.waitFor(() => presence().at(-1) === false, 'alice offline on A after the grace period');
      assert.deepEqual(presence(), [true, false]);
      assert.equal(await onlineOnA(alice.id), false);
    });

    it('a node that starts later knows at once who is online elsewhere', async () => {
      const { alice, room } = await pair();
      await open(a, alice.token);
      const late = await startLocalNode(db.url, await brokers.broker());
      try {
        const online = async () =>
          ((await new Api(late.url, alice.token).get(`/api/v1/rooms/${room}/members`)).body.members as { user: { id: string }; online: boolean }[])
            .find((m) => m.user.id === alice.id)?.online;
        await waitFor(online, 'alice online as the late node sees it', 3000);
      } finally {
        await late.close();
      }
    });

    it('typing on A shows on B; logging out on A ends the session\'s streams on B', async () => {
      const { alice, bob, room } = await pair();
      const bobOnB = await open(b, bob.token);
      const aliceOnB = await open(b, alice.token);
      assert.equal((await alice.api.post(`/api/v1/rooms/${room}/typing`)).status, 204);
      await bobOnB.waitFor(() => dataOf(bobOnB.events, 'typing').some((d) => d.room === room && d.user.id === alice.id), 'typing on B');
      assert.equal((await alice.api.post('/api/v1/auth/logout')).status, 204);
      await waitFor(() => aliceOnB.closed, 'alice\'s stream on B closed');
      assert.equal(bobOnB.closed, false);
    });
  });
}
