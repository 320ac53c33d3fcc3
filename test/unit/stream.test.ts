/**
 * Streams (src/core/stream.ts) in process: subscribe → replay → live over an
 * in-memory event log, a real Hub and Presence, and a recording sink. Events
 * "committed" by a test are appended to the log and handed to the hub, which is
 * what the Feed does. Where an event must land mid-replay, the log's readEvents
 * waits at a gate the test opens.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it, mock } from 'node:test';
import { encodeCursor } from '../../src/core/cursor.ts';
import { ChatError } from '../../src/core/errors.ts';
import type { Hub } from '../../src/core/hub.ts';
import type { StreamSlots } from '../../src/core/limits.ts';
import type { Presence } from '../../src/core/presence.ts';
import type { StreamOptions, Streams } from '../../src/core/stream.ts';
import type { Subscriber } from '../../src/core/subscriber.ts';
import type { LogEvent } from '../../src/core/types.ts';
import { type FakeLog, Gate, LOG_ID, nextTick, type RecordingMetrics, RecordingSink, session, streamWorld } from '../helpers/core-fakes.ts';

interface World {
  log: FakeLog;
  hub: Hub;
  presence: Presence;
  streams: Streams;
  metrics: RecordingMetrics;
  /** Append to the log and deliver to the hub, as a commit followed by the Feed would. */
  commit(...events: LogEvent[]): void;
  open(userId: string, opts?: { cursor?: string; sessionId?: string; ip?: string; sink?: RecordingSink; slot?: string | null }): Promise<{ sub: Subscriber; sink: RecordingSink }>;
}

const cleanups: (() => void)[] = [];

function world(opts: Partial<StreamOptions> = {}): World {
  const { log, hub, presence, streams, metrics, close } = streamWorld(opts);
  cleanups.push(close);
  return {
    log, hub, presence, streams, metrics,
    commit: (...events) => hub.deliver(events),
    async open(userId, o = {}) {
      const sink = o.sink ?? new RecordingSink();
      const sub = await streams.open(session(userId, o.sessionId), o.ip ?? '10.0.0.1', sink, o.cursor, o.slot ?? null);
      return { sub, sink };
    },
  };
}

describe('Streams', () => {
  afterEach(() => {
    for (const c of cleanups.splice(0)) c();
    mock.timers.reset();
  });

  it('a fresh stream gets retry, ready with its rooms and the head cursor, then live events', async () => {
    const w = world();
    w.log.join('alice', 1);
    w.log.post(1);
    const { sink } = await w.open('alice');
    w.commit(w.log.post(1));
    await nextTick();
    const p = sink.parse();
    assert.ok(p.retry !== null && p.retry >= 500 && p.retry <= 1500, `retry ${p.retry}: 1000 jittered by up to half`);
    const ready = JSON.parse(p.events[0]!.data);
    assert.equal(p.events[0]!.event, 'ready');
    assert.deepEqual(ready.rooms.map((r: { name: string }) => r.name), ['r1']);
    assert.equal(ready.cursor, encodeCursor(2, LOG_ID));
    assert.deepEqual(sink.positions(), [3], 'nothing before the head is replayed to a fresh stream');
  });

  it('each stream has its own id in ready; its visibility is set by its owner only, and not once closed', async () => {
    const w = world();
    w.log.join('alice', 1);
    const a = await w.open('alice');
    const b = await w.open('alice');
    const idOf = (sink: RecordingSink) => JSON.parse(sink.parse().events[0]!.data).stream_id as string;
    const [ia, ib] = [idOf(a.sink), idOf(b.sink)];
    assert.match(ia, /^[A-Za-z0-9_-]{16}$/);
    assert.notEqual(ia, ib, 'a new id per stream');
    assert.equal(a.sub.visible, true, 'starts visible');
    assert.equal(w.streams.setVisibility('alice', ia, false), true);
    assert.equal(a.sub.visible, false);
    assert.equal(b.sub.visible, true, 'only that stream');
    assert.equal(w.streams.setVisibility('bob', ib, false), false, 'not yours');
    assert.equal(w.streams.setVisibility('alice', 'nope', false), false);
    a.sub.close('client');
    assert.equal(w.streams.setVisibility('alice', ia, true), false, 'closed');
    const hidden = await w.streams.open(session('alice'), '10.0.0.1', new RecordingSink(), undefined, null, false);
    assert.equal(hidden.visible, false, 'opened hidden (?visible=0)');
  });

  it('events committed during the replay are sent exactly once, in order, after the replayed ones', async () => {
    const w = world();
    w.log.join('alice', 1);
    for (let i = 0; i < 5; i++) w.log.post(1); // 2..6
    const gate = (w.log.gate = new Gate());
    const opening = w.open('alice', { cursor: encodeCursor(3, LOG_ID) });
    await gate.entered; // registered, snapshot taken at head 6, replay reading
    w.commit(w.log.log[4]!, w.log.log[5]!); // the feed was behind: 5 and 6 reach the hub only now
    w.commit(w.log.post(1), w.log.post(2), w.log.post(1)); // 7, 8 (not alice's room), 9
    gate.release();
    const { sink } = await opening;
    w.commit(w.log.log[8]!); // a repeat of 9 must not be sent again
    w.commit(w.log.post(1)); // 10, live
    await nextTick();
    assert.deepEqual(sink.positions(), [4, 5, 6, 7, 9, 10]);
    const ids = sink.events().filter((e) => e.hasId).map((e) => e.id);
    assert.equal(new Set(ids).size, ids.length, 'no id twice');
    assert.equal(sink.parse().lastEventId, encodeCursor(10, LOG_ID), 'a reconnect resumes after the last event');
  });

  it('a resume cursor replays only what came after it, and ready echoes it', async () => {
    const w = world();
    w.log.join('alice', 1);
    for (let i = 0; i < 6; i++) w.log.post(1); // 2..7
    const { sink } = await w.open('alice', { cursor: encodeCursor(5, LOG_ID) });
    assert.deepEqual(sink.positions(), [6, 7]);
    assert.equal(JSON.parse(sink.events('ready')[0]!.data).cursor, encodeCursor(5, LOG_ID));
    assert.deepEqual(sink.events('reset'), []);
    assert.equal(w.metrics.replayedTotal, 2);
  });

  for (const [what, cursor, reason] of [
    ['garbled', 'not-a-cursor!', 'malformed'],
    ['from another database', encodeCursor(1, 'otherlog'), 'unknown'],
    ['ahead of the log', encodeCursor(99, LOG_ID), 'ahead'],
  ] as const) {
    it(`a cursor ${what} gets a reset at the head, then live events`, async () => {
      const w = world();
      w.log.join('alice', 1);
      w.log.post(1);
      const { sink } = await w.open('alice', { cursor });
      w.commit(w.log.post(1));
      await nextTick();
      const events = sink.events();
      assert.deepEqual(events.map((e) => e.event), ['ready', 'reset', 'message']);
      assert.deepEqual(JSON.parse(events[1]!.data), { reason: `cursor ${reason}` });
      assert.equal(events[1]!.id, encodeCursor(2, LOG_ID), 'the reset moves the client to the head');
      assert.deepEqual(sink.positions(), [2, 3], 'nothing replayed, then live');
    });
  }

  it('a backlog many times the budget is replayed whole to a client that reads', async () => {
    const w = world({ budget: 4096 });
    w.log.join('alice', 1);
    for (let i = 0; i < 1200; i++) w.log.post(1); // > 2 replay pages, ~100 KB
    const sink = new RecordingSink();
    sink.accumulate = true; // a real socket: the backlog grows with writes, drained() when the client reads
    const { sub } = await w.open('alice', { cursor: encodeCursor(1, LOG_ID), sink });
    assert.equal(sub.live, true);
    assert.deepEqual(sink.positions(), Array.from({ length: 1200 }, (_, i) => i + 2));
    assert.ok(w.log.reads.every((r) => r.limit <= 500), 'replay reads in pages');
  });

  it('a client that stops reading once live is closed as slow, and can resume from what it got', async () => {
    const w = world({ budget: 4096 });
    w.log.join('alice', 1);
    const sink = new RecordingSink();
    sink.accumulate = true;
    sink.reading = false;
    const { sub } = await w.open('alice', { sink });
    for (let i = 0; i < 100 && !sub.closed; i++) {
      w.commit(w.log.post(1));
      await nextTick();
    }
    assert.equal(sub.closed, true);
    assert.deepEqual(sink.ends, [true], 'aborted');
    assert.deepEqual(w.metrics.closedReasons, ['slow']);
    assert.equal(w.streams.count(), 0);
    const got = sink.positions();
    assert.ok(got.length > 0 && got.length < 100);
    const again = await w.open('alice', { cursor: sink.parse().lastEventId });
    assert.deepEqual([...got, ...again.sink.positions()], w.log.log.slice(1).map((e) => e.pos), 'every event once across both');
  });

  it('a client that goes away mid-replay ends the replay; the stream never goes live', async () => {
    const w = world();
    w.log.join('alice', 1);
    w.log.post(1);
    const gate = (w.log.gate = new Gate());
    const sink = new RecordingSink();
    const opening = w.open('alice', { cursor: encodeCursor(0, LOG_ID), sink });
    await gate.entered;
    sink.clientGone();
    gate.release();
    const { sub } = await opening;
    assert.equal(sub.closed, true);
    assert.equal(sub.wentLive, false);
    assert.deepEqual(w.metrics.closedReasons, ['client']);
    assert.equal(w.hub.streamsOf('alice').size, 0);
  });

  it('a second tab that closes before it went live does not take its user offline', async () => {
    mock.timers.enable({ apis: ['setTimeout'] }); // the grace timer (graceMs 0) fires only when ticked
    const w = world();
    w.log.join('alice', 1);
    w.log.join('bob', 1);
    const bob = await w.open('bob');
    await w.open('alice');
    const gate = (w.log.gate = new Gate());
    const second = new RecordingSink();
    const opening = w.open('alice', { sink: second, cursor: encodeCursor(0, LOG_ID) });
    await gate.entered;
    second.clientGone();
    gate.release();
    await opening;
    mock.timers.tick(1000);
    assert.equal(w.presence.isOnline('alice'), true);
    await nextTick();
    const seen = bob.sink.events('presence').map((e) => JSON.parse(e.data).online);
    assert.deepEqual(seen, [true], 'bob saw alice come online, and nothing since');
  });

  it('a user or an address over its stream cap is refused with rate_limited, and a closed stream frees its slot', async () => {
    const w = world({ perUser: 2, perIp: 3 });
    const refused = (err: unknown) => err instanceof ChatError && err.code === 'rate_limited' && err.status === 429;
    const first = await w.open('alice', { ip: '1.1.1.1' });
    await w.open('alice', { ip: '2.2.2.2' });
    await assert.rejects(w.streams.admit('alice', '3.3.3.3'), refused);
    await w.streams.admit('bob', '1.1.1.1');
    await w.open('bob', { ip: '1.1.1.1' });
    await w.open('carol', { ip: '1.1.1.1' });
    await assert.rejects(w.streams.admit('dave', '1.1.1.1'), refused);
    first.sink.clientGone();
    await w.streams.admit('alice', '3.3.3.3');
    await w.streams.admit('dave', '1.1.1.1');
    assert.equal(w.streams.count(), 3);
    const one = world({ perIp: 1 });
    const only = await one.open('erin', { ip: '5.5.5.5' });
    await assert.rejects(one.streams.admit('frank', '5.5.5.5'), refused);
    only.sink.clientGone();
    await one.streams.admit('frank', '5.5.5.5');
  });

  it('in cluster mode the shared slots decide too: a slot is taken per admitted stream and returned when it closes', async () => {
    // Shared slots as another node would see them: 'alice' already holds one stream elsewhere.
    const held = new Map<string, string>([['elsewhere', 'alice']]);
    const slots: StreamSlots = {
      async acquire(id, userId, _ip, caps) {
        if ([...held.values()].filter((u) => u === userId).length >= caps.perUser) return 'user';
        held.set(id, userId);
        return null;
      },
      release: (id) => void held.delete(id),
    };
    const w = world({ perUser: 2, perIp: 0, slots });
    const refused = (err: unknown) => err instanceof ChatError && err.code === 'rate_limited';
    const slot = await w.streams.admit('alice', '1.1.1.1');
    assert.ok(slot !== null);
    const a = await w.open('alice', { ip: '1.1.1.1', slot });
    await assert.rejects(w.streams.admit('alice', '1.1.1.1'), refused, 'one here and one on another node make two');
    assert.equal(held.size, 2, 'a refused stream holds no slot');
    a.sink.clientGone();
    assert.equal(held.has(slot), false, 'closing returns the slot');
    assert.ok(await w.streams.admit('alice', '1.1.1.1'));
  });

  it('logout ends only that session’s streams, on purpose (not aborted)', async () => {
    const w = world();
    const s1a = await w.open('alice', { sessionId: 's1' });
    const s1b = await w.open('alice', { sessionId: 's1' });
    const s2 = await w.open('alice', { sessionId: 's2' });
    const bob = await w.open('bob', { sessionId: 's1' });
    w.streams.endSession('s1', 'alice');
    assert.deepEqual(w.metrics.closedReasons, ['logout', 'logout']);
    assert.deepEqual([s1a.sink.ends, s1b.sink.ends], [[false], [false]]);
    assert.deepEqual([s2.sub.closed, bob.sub.closed], [false, false]);
    assert.equal(w.streams.count(), 2);
  });

  it('shutdown closes every stream, and a second shutdown does nothing', async () => {
    const w = world();
    const streams = [await w.open('alice'), await w.open('bob')];
    w.streams.shutdown();
    w.streams.shutdown();
    assert.ok(streams.every((s) => s.sub.closed && s.sink.ends.length === 1));
    assert.deepEqual(w.metrics.closedReasons, ['shutdown', 'shutdown']);
    assert.equal(w.streams.count(), 0);
  });

  it('a silent stream gets `: ping` once per heartbeat interval, and a busy one none', async () => {
    mock.timers.enable({ apis: ['setInterval', 'Date'] });
    const w = world({ heartbeatMs: 100 });
    w.log.join('alice', 1);
    const quiet = await w.open('alice');
    const busy = await w.open('bob');
    const pings = (s: { sink: RecordingSink }) => s.sink.parse().comments.filter((c) => c === 'ping').length;
    // Advance in heartbeat-check steps (heartbeatMs / 4), the busy stream writing at each.
    const step = (n: number) => {
      for (let i = 0; i < n; i++) {
        mock.timers.tick(25);
        busy.sub.writeNow(Buffer.from(': activity\n\n'));
      }
    };
    step(3);
    assert.equal(pings(quiet), 0, 'not before heartbeatMs of silence');
    step(7);
    assert.equal(pings(quiet), 2, 'at 100 and at 200 ms');
    assert.equal(pings(busy), 0);
  });
});
