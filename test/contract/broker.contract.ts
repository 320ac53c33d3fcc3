/**
 * The Broker contract (src/broker/broker.ts) as one executable suite, run against
 * every implementation through a factory (STYLE habits 3 and 4):
 *   describeBroker('local', localFixture) · describeBroker('redis', redisFixture)
 * A fixture makes clusters: each `cluster(n)` call gives n brokers that reach each
 * other and nothing else, so tests never hear one another.
 *
 * "Nothing arrives" is proven without a sleep: after the message that must not
 * arrive, a second node publishes a marker, and the test waits for the marker.
 * Each node's messages arrive in order, and the marker is sent only once the first
 * message has reached someone, so by the time the marker arrives the first one
 * would have too.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Broker, BrokerMessage, Outgoing } from '../../src/broker/broker.ts';
import type { LogEvent } from '../../src/core/types.ts';
import { waitFor } from '../helpers/wait.ts';

export interface BrokerCluster {
  /** Connected brokers of one cluster: publishing on one reaches all the others once they are returned. */
  brokers: Broker[];
  /** Publish raw text on this cluster's wire, as a buggy or foreign peer would. Absent where there is no wire (local). */
  injectRaw?: (text: string) => Promise<void>;
}

export interface BrokerFixture {
  /** A new cluster of `n` connected brokers, apart from every other cluster of this fixture. */
  cluster(n: number): Promise<BrokerCluster>;
  /** Close every broker made and stop what the fixture started. */
  cleanup(): Promise<void>;
}

/** What one broker's handler received, in arrival order. */
interface Inbox {
  got: BrokerMessage[];
  /** Resolves once `n` messages arrived. */
  until(n: number, what: string): Promise<void>;
}

function inbox(b: Broker): Inbox {
  const got: BrokerMessage[] = [];
  b.onMessage((m) => got.push(m));
  return { got, until: async (n, what) => void (await waitFor(() => got.length >= n, what)) };
}

const user = { id: '7', username: 'ann' };
const logEvent = (pos: number, data = '{}'): LogEvent => ({ pos, roomId: 2, type: 'message', subject: null, data });
/** A small message that tells the tests apart from the traffic under test. */
const marker = (seq: number): Outgoing => ({ kind: 'read', userId: 'marker', room: 'marker', seq });

/** One of every kind, with the values most likely to be mangled on the way (null, unicode, empty lists). */
const everyKind: Outgoing[] = [
  { kind: 'events', events: [logEvent(1, '{"text":"héllo 🎉 \\n \\"q\\""}'), { pos: 2, roomId: 3, type: 'member_joined', subject: '7', data: '{}' }] },
  { kind: 'typing', roomId: 2, room: 'général', user },
  { kind: 'presence', user, online: true, roomIds: [2, 5] },
  { kind: 'presence', user, online: false, roomIds: [] },
  { kind: 'session_end', sessionId: 'c2Vzc2lvbg', userId: '7' },
  { kind: 'read', userId: '7', room: 'general', seq: 42 },
  { kind: 'presence_sync', ask: true, users: [{ user, roomIds: [2] }, { user: { id: '8', username: 'bob' }, roomIds: [] }] },
  { kind: 'presence_sync', ask: false, users: [] },
  { kind: 'visibility', userId: '7', streamId: 'c3RyZWFt_-', visible: false, ask: 'node-1:3' },
  { kind: 'visibility_ack', to: 'node-1', ask: 'node-1:3' },
];

export function describeBroker(name: string, fixture: () => Promise<BrokerFixture>): void {
  describe(`Broker contract: ${name}`, () => {
    let fx: BrokerFixture;
    before(async () => {
      fx = await fixture();
    });
    after(async () => fx?.cleanup());

    it('a clustered broker is remote, and every node has its own id', async () => {
      const { brokers } = await fx.cluster(3);
      for (const b of brokers) {
        assert.equal(b.remote, true);
        assert.match(b.nodeId, /^\S+$/);
      }
      assert.equal(new Set(brokers.map((b) => b.nodeId)).size, 3);
    });

    it('ping() resolves while connected', async () => {
      const { brokers } = await fx.cluster(2);
      await Promise.all(brokers.map((b) => b.ping()));
    });

    it("each message reaches every other node, stamped with the publisher's node id", async () => {
      const [a, b, c] = (await fx.cluster(3)).brokers as [Broker, Broker, Broker];
      const [inA, inB, inC] = [a, b, c].map(inbox) as [Inbox, Inbox, Inbox];
      a.publish(marker(1));
      b.publish(marker(2));
      await Promise.all([inB.until(1, "A's message on B"), inC.until(2, 'both messages on C'), inA.until(1, "B's message on A")]);
      assert.deepEqual(inB.got, [{ ...marker(1), node: a.nodeId }]);
      assert.deepEqual(inA.got, [{ ...marker(2), node: b.nodeId }]);
      assert.deepEqual(inC.got.map((m) => m.node).sort(), [a.nodeId, b.nodeId].sort());
    });

    it('a node never receives its own messages', async () => {
      const [a, b] = (await fx.cluster(2)).brokers as [Broker, Broker];
      const [inA, inB] = [a, b].map(inbox) as [Inbox, Inbox];
      a.publish(marker(1));
      await inB.until(1, "A's message on B");
      b.publish(marker(2)); // sent after A's message went out, so it reaches A after it
      await inA.until(1, "B's marker on A");
      assert.deepEqual(inA.got, [{ ...marker(2), node: b.nodeId }], 'A heard only B, not itself');
    });

    it('every message kind round-trips intact', async () => {
      const [a, b] = (await fx.cluster(2)).brokers as [Broker, Broker];
      const inB = inbox(b);
      for (const m of everyKind) a.publish(m);
      await inB.until(everyKind.length, 'every kind on B');
      assert.deepEqual(inB.got, everyKind.map((m) => ({ ...m, node: a.nodeId })));
    });

    it("publish never throws and delivers asynchronously, outside the publisher's call stack", async () => {
      const [a, b, c] = (await fx.cluster(3)).brokers as [Broker, Broker, Broker];
      // C has no handler at all: publishing must not care.
      let publishing = false;
      const arrivedDuringPublish: boolean[] = [];
      b.onMessage(() => arrivedDuringPublish.push(publishing));
      publishing = true;
      assert.doesNotThrow(() => a.publish(marker(1)));
      assert.doesNotThrow(() => c.publish(marker(2)));
      publishing = false;
      assert.deepEqual(arrivedDuringPublish, [], 'nothing delivered before publish returned');
      await waitFor(() => arrivedDuringPublish.length === 2, 'both messages on B');
      assert.deepEqual(arrivedDuringPublish, [false, false]);
    });

    it('messages from one publisher arrive in publish order', async () => {
      const [a, b, c] = (await fx.cluster(3)).brokers as [Broker, Broker, Broker];
      const inB = inbox(b);
      const n = 200;
      for (let i = 1; i <= n; i++) {
        a.publish({ kind: 'events', events: [logEvent(i)] });
        c.publish(marker(i)); // interleaved with a second publisher, whose order must hold too
      }
      await inB.until(2 * n, `${2 * n} messages on B`);
      const from = (node: string) => inB.got.filter((m) => m.node === node);
      assert.deepEqual(from(a.nodeId).map((m) => (m.kind === 'events' ? m.events[0]!.pos : -1)), Array.from({ length: n }, (_, i) => i + 1));
      assert.deepEqual(from(c.nodeId).map((m) => (m.kind === 'read' ? m.seq : -1)), Array.from({ length: n }, (_, i) => i + 1));
    });

    it('after close() a broker receives nothing, and publishing from it does not throw', async () => {
      const [a, b, c] = (await fx.cluster(3)).brokers as [Broker, Broker, Broker];
      const [inB, inC] = [b, c].map(inbox) as [Inbox, Inbox];
      await b.close();
      a.publish(marker(1));
      a.publish(marker(2)); // the marker: once C has it, B would have had the first one too
      await inC.until(2, 'both messages on C');
      assert.deepEqual(inB.got, [], 'the closed broker heard nothing');
      assert.doesNotThrow(() => b.publish(marker(3)));
      await a.ping(); // the others are unaffected
    });

    it('a closed broker publishes nothing', async () => {
      const [a, b, c] = (await fx.cluster(3)).brokers as [Broker, Broker, Broker];
      const inA = inbox(a);
      await b.close();
      b.publish(marker(1)); // after close: must go nowhere
      // The marker comes from another node, published after: on the in-process bus deliveries run in
      // publish order, and over Redis a closed broker has no connection left to send on.
      c.publish(marker(2));
      await inA.until(1, 'the marker from C');
      assert.deepEqual(inA.got, [{ ...marker(2), node: c.nodeId }]);
    });

    it('close() is idempotent, called again or concurrently', async () => {
      const [a, b] = (await fx.cluster(2)).brokers as [Broker, Broker];
      await a.close();
      await a.close();
      await Promise.all([b.close(), b.close()]);
    });

    it('malformed input on the wire is dropped without crashing, and later messages still flow', async (t) => {
      const { brokers, injectRaw } = await fx.cluster(2);
      if (!injectRaw) return t.skip('no wire: messages never leave the process');
      const [a, b] = brokers as [Broker, Broker];
      const inB = inbox(b);
      const junk = ['not json', '{"kind":', '', '42', '"events"', 'null', '[]', '{}', '{"kind":"typing"}', '{"node":"x"}', '{"node":1,"kind":"typing"}', '{"node":"x","kind":["typing"]}'];
      for (const text of junk) await injectRaw(text);
      a.publish(marker(1));
      await inB.until(1, 'the valid message after the junk');
      assert.deepEqual(inB.got, [{ ...marker(1), node: a.nodeId }]);
      await Promise.all(brokers.map((x) => x.ping()));
    });

    it('a message of a known kind with a malformed body never reaches the handler', async (t) => {
      const { brokers, injectRaw } = await fx.cluster(2);
      if (!injectRaw) return t.skip('no wire: messages never leave the process');
      const [a, b] = brokers as [Broker, Broker];
      const inB = inbox(b);
      await injectRaw(JSON.stringify({ kind: 'events', node: 'x' }));
      await injectRaw(JSON.stringify({ kind: 'read', node: 'x', userId: 7 }));
      a.publish(marker(1));
      await inB.until(1, 'the valid message');
      assert.deepEqual(inB.got, [{ ...marker(1), node: a.nodeId }]);
    });
  });
}
