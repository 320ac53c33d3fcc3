/**
 * Relay (src/core/relay.ts) in process: two or three nodes, each with its own
 * Hub, Feed, Presence and Streams, over one LocalBus and one shared in-memory
 * event log (the store every node reads). The cluster suite covers the same over
 * real HTTP and Redis; here the cross-node protocol is checked message kind by kind.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { BrokerMessage } from '../../src/broker/broker.ts';
import { LocalBroker, LocalBus } from '../../src/broker/local-broker.ts';
import { Feed } from '../../src/core/feed.ts';
import { Hub } from '../../src/core/hub.ts';
import { Presence } from '../../src/core/presence.ts';
import { Relay } from '../../src/core/relay.ts';
import { Streams } from '../../src/core/stream.ts';
import type { UserRef } from '../../src/core/types.ts';
import { FakeLog, LOG_ID, RecordingMetrics, RecordingSink, session } from '../helpers/core-fakes.ts';
import { waitFor } from '../helpers/wait.ts';

interface Node {
  relay: Relay;
  presence: Presence;
  streams: Streams;
  open(userId: string, sessionId?: string): Promise<RecordingSink>;
}

const cleanups: (() => Promise<void>)[] = [];

async function startNode(bus: LocalBus, log: FakeLog): Promise<Node> {
  const metrics = new RecordingMetrics();
  const broker = new LocalBroker(bus);
  const hub = new Hub(LOG_ID, metrics);
  const feed = new Feed(log.asStore(), hub, { gapMs: 5, pollMs: 0 });
  await feed.start();
  const relay = new Relay(broker, hub, feed, metrics);
  const presence = new Presence({ hub, graceMs: 0, peers: relay });
  const streams = new Streams(log.asStore(), hub, presence, { retryMs: 1000, heartbeatMs: 60_000, budget: 1 << 20, perUser: 0, perIp: 0 }, metrics);
  relay.start({ presence, streams });
  cleanups.push(async () => {
    streams.shutdown();
    feed.close();
    presence.close();
    await broker.close();
  });
  return {
    relay, presence, streams,
    async open(userId, sessionId) {
      const sink = new RecordingSink();
      await streams.open(session(userId, sessionId), '10.0.0.1', sink, undefined);
      return sink;
    },
  };
}

/** A log where alice, bob and carol are in room 1, and two nodes on one bus. */
async function cluster(): Promise<{ bus: LocalBus; log: FakeLog; a: Node; b: Node }> {
  const bus = new LocalBus();
  const log = new FakeLog();
  for (const u of ['alice', 'bob', 'carol']) log.join(u, 1);
  return { bus, log, a: await startNode(bus, log), b: await startNode(bus, log) };
}

const ref = (id: string): UserRef => ({ id, username: id });
const typers = (sink: RecordingSink): string[] => sink.events('typing').map((e) => (JSON.parse(e.data) as { user: UserRef }).user.id);
const presenceOf = (sink: RecordingSink): string[] =>
  sink.events('presence').map((e) => {
    const d = JSON.parse(e.data) as { user: UserRef; online: boolean };
    return `${d.user.id}:${d.online ? 'online' : 'offline'}`;
  });

describe('Relay', () => {
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });

  it('an event committed on node A reaches streams on both nodes once each, in order', async () => {
    const { log, a, b } = await cluster();
    const onA = await a.open('alice');
    const onB = await b.open('bob');
    a.relay.publish([log.post(1)]);
    a.relay.publish([log.post(1), log.post(1)]);
    await waitFor(() => onB.positions().length === 3, 'the events on node B');
    a.relay.publish([log.post(1)]); // a later event: anything repeated would have arrived before it
    await waitFor(() => onB.positions().length >= 4 && onA.positions().length >= 4, 'the last event on both nodes');
    assert.deepEqual(onB.positions(), [4, 5, 6, 7]);
    assert.deepEqual(onA.positions(), [4, 5, 6, 7]);
  });

  it('typing on one node is shown to the room’s other members on every node, once, and is not echoed back', async () => {
    const { a, b } = await cluster();
    const aliceA = await a.open('alice');
    const bobA = await a.open('bob');
    const carolB = await b.open('carol');
    a.relay.typing(1, 'r1', ref('alice'));
    b.relay.typing(1, 'r1', ref('carol')); // published after: an echo of alice's typing would reach A before it
    await waitFor(() => typers(bobA).length === 2 && typers(aliceA).length === 1, 'carol’s typing on node A');
    await waitFor(() => typers(carolB).length === 1, 'alice’s typing on node B');
    assert.deepEqual(typers(bobA), ['alice', 'carol']);
    assert.deepEqual(typers(aliceA), ['carol'], 'never one’s own');
    assert.deepEqual(typers(carolB), ['alice']);
  });

  it('a read marker moved on node A reaches the user’s stream on node B, and no one else’s', async () => {
    const { a, b } = await cluster();
    const aliceB = await b.open('alice');
    const bobB = await b.open('bob');
    a.relay.read('alice', 'r1', 7);
    await waitFor(() => aliceB.events('read').length === 1, 'the read marker on node B');
    assert.deepEqual(JSON.parse(aliceB.events('read')[0]!.data), { room: 'r1', seq: 7 });
    assert.deepEqual(bobB.events('read'), []);
  });

  it('a logout on node A ends that session’s streams on node B, and only those', async () => {
    const { a, b } = await cluster();
    const s1 = await b.open('alice', 's1');
    const s2 = await b.open('alice', 's2');
    a.relay.sessionEnd('s1', 'alice');
    await waitFor(() => s1.ends.length === 1, 'the session’s stream on node B ended');
    assert.deepEqual(s1.ends, [false]);
    assert.deepEqual(s2.ends, []);
    assert.equal(b.streams.count(), 1);
  });

  it('a user online on node A is shown online, then offline, on node B; a node started later learns it at once', async () => {
    const { bus, log, a, b } = await cluster();
    const bobB = await b.open('bob');
    const aliceA = await a.open('alice');
    await waitFor(() => presenceOf(bobB).length === 1, 'alice online on node B');
    assert.equal(b.presence.isOnline('alice'), true);
    const c = await startNode(bus, log); // asks the others who is online
    await waitFor(() => c.presence.isOnline('alice'), 'node C learning alice is online');
    aliceA.clientGone();
    await waitFor(() => presenceOf(bobB).length === 2, 'alice offline on node B');
    assert.deepEqual(presenceOf(bobB), ['alice:online', 'alice:offline']);
    assert.equal(b.presence.isOnline('alice'), false);
  });

  it('a message of an unknown kind from a peer is ignored, and later messages still arrive', async () => {
    const { bus, a, b } = await cluster();
    const aliceB = await b.open('alice');
    const bogus = { kind: 'shout', node: 'elsewhere', text: 'hi' } as unknown as BrokerMessage;
    assert.doesNotThrow(() => bus.emit('message', bogus));
    assert.doesNotThrow(() => b.relay.handle(bogus));
    a.relay.read('alice', 'r1', 3);
    await waitFor(() => aliceB.events('read').length === 1, 'the next message');
    assert.deepEqual(aliceB.events().map((e) => e.event), ['ready', 'read']);
  });
});

describe('Relay: page visibility across nodes', () => {
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });

  it('a post on A reaches the stream on B; a stream no node holds, or another user\'s, is not found', async () => {
    const { a, b } = await cluster();
    const sink = await b.open('alice');
    const id = JSON.parse(sink.parse().events[0]!.data).stream_id as string;
    assert.equal(await a.relay.visibility('alice', id, false), true, 'asked B, B answered');
    assert.equal(await b.relay.visibility('alice', id, true), true, 'held here');
    assert.equal(await a.relay.visibility('bob', id, false), false, 'not bob\'s');
    assert.equal(await a.relay.visibility('alice', 'nowhere', false), false);
  });
});

