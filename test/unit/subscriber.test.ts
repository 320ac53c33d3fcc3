/**
 * Subscriber (src/core/subscriber.ts) in process: one stream's life cycle
 * (pending → live → closed), its tick-coalesced writes and its byte budget, seen
 * through a recording sink. Writes are flushed on setImmediate, so tests await
 * `nextTick()`, the signal that the tick has passed, not a sleep.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PENDING_QUEUE_MAX } from '../../src/core/subscriber.ts';
import { encodeData, encodeEvent } from '../../src/core/sse-frame.ts';
import type { LogEvent } from '../../src/core/types.ts';
import { ev, nextTick, subscriber } from '../helpers/core-fakes.ts';

/** A transient event frame whose data is `{ n }` padded to about `size` bytes. */
const frame = (n: number, size = 0): Buffer => Buffer.from(encodeEvent('typing', encodeData({ n, pad: 'x'.repeat(size) })));
/** A stored event's frame, with its position as the id. */
const stored = (e: LogEvent): Buffer => Buffer.from(encodeEvent(e.type, e.data, `${e.pos}-log`));
const ns = (sink: { events(): { data: string }[] }): number[] => sink.events().map((e) => JSON.parse(e.data).n as number);

describe('Subscriber', () => {
  it('frames sent in one tick reach the client in one write, in order', async () => {
    const { sub, sink } = subscriber('alice');
    for (const n of [1, 2, 3]) assert.equal(sub.send(frame(n)), true);
    assert.equal(sink.writes.length, 0, 'nothing is written before the tick ends');
    await nextTick();
    assert.equal(sink.writes.length, 1, 'one write for the whole tick');
    assert.deepEqual(ns(sink), [1, 2, 3]);
    sub.send(frame(4));
    await nextTick();
    assert.equal(sink.writes.length, 2, 'the next tick is a new write');
    assert.deepEqual(ns(sink), [1, 2, 3, 4]);
  });

  it('a single event bigger than the whole budget is still delivered to a client that has read everything', async () => {
    const { sub, sink, closes } = subscriber('alice', { budget: 100 });
    assert.equal(sub.send(frame(1, 1000)), true);
    await nextTick();
    assert.deepEqual(ns(sink), [1]);
    assert.equal(sub.closed, false);
    assert.deepEqual(closes, []);
  });

  it('a client that falls more than the budget behind is cut off as slow: abort, onClose once, nothing more written', async () => {
    const { sub, sink, closes } = subscriber('alice', { budget: 300 });
    assert.equal(sub.send(frame(1, 100)), true);
    assert.equal(sub.send(frame(2, 100)), true);
    assert.equal(sub.send(frame(3, 100)), false, 'the frame past the budget is refused');
    assert.equal(sub.closed, true);
    assert.deepEqual(sink.ends, [true], 'ended with abort: unsent bytes are dropped, the client resumes by cursor');
    assert.deepEqual(closes, ['slow']);
    sub.close('client');
    await nextTick();
    assert.deepEqual(closes, ['slow'], 'onClose is called once');
    assert.deepEqual(sink.writes, [], 'the queued frames of a slow stream are dropped, not flushed');
  });

  it('the bytes the socket has not sent yet count against the budget', () => {
    const { sub, sink, closes } = subscriber('alice', { budget: 300 });
    sink.backlogBytes = 250; // the client stopped reading
    assert.equal(sub.send(frame(1, 100)), false);
    assert.deepEqual(closes, ['slow']);
    assert.deepEqual(sink.ends, [true]);
  });

  it('close is final and idempotent: later sends are refused and goLive reports false', async () => {
    const { sub, sink, closes } = subscriber('alice');
    sub.send(frame(1));
    sub.close('logout');
    assert.deepEqual(ns(sink), [1], 'a logout still delivers what was queued this tick');
    sub.close('logout');
    sub.close('slow');
    assert.deepEqual(closes, ['logout']);
    assert.deepEqual(sink.ends, [false], 'ended once, flushing (not aborting)');
    assert.equal(sub.send(frame(2)), false);
    sub.hold(ev(1, 1));
    assert.equal(sub.goLive(stored), false);
    assert.equal(sub.live, false);
    assert.equal(sub.wentLive, false);
    await nextTick();
    assert.equal(sink.writes.length, 1, 'nothing after the close');
  });

  it(`a stream that replays while more than ${PENDING_QUEUE_MAX} events arrive is closed as slow`, () => {
    const { sub, sink, closes } = subscriber('alice');
    for (let pos = 1; pos <= PENDING_QUEUE_MAX; pos++) sub.hold(ev(pos, 1));
    assert.equal(sub.pending, true, 'exactly the maximum is still held');
    sub.hold(ev(PENDING_QUEUE_MAX + 1, 1));
    assert.equal(sub.closed, true);
    assert.deepEqual(closes, ['slow']);
    assert.deepEqual(sink.ends, [true]);
    assert.equal(sub.goLive(stored), false, 'it never goes live');
  });

  it('going live sends the held events after what replay sent, in order, with no duplicate', async () => {
    const { sub, sink } = subscriber('alice');
    sub.replayFrom(2);
    for (const pos of [1, 2, 3, 4, 5, 6, 7]) sub.hold(ev(pos, 1));
    sub.sendStored(3, stored(ev(3, 1))); // replay sent 3
    sub.sendStored(4, stored(ev(4, 1))); // and 4
    sub.replayed(5); // replay covered up to 5 (5 was not the user's)
    const routed: number[] = [];
    const live = sub.goLive((e) => {
      routed.push(e.pos);
      return e.pos === 6 ? null : stored(e); // 6 is in a room the stream is not routed in
    });
    assert.equal(live, true);
    assert.deepEqual(routed, [6, 7], 'held events at or below what replay covered are not routed again');
    assert.equal(sub.lastPos, 7);
    assert.equal(sub.live && sub.wentLive, true);
    await nextTick();
    assert.deepEqual(sink.positions(), [3, 4, 7]);
    sub.hold(ev(8, 1));
    assert.equal(sub.goLive(stored), false, 'goLive happens once');
    sub.sendStored(7, stored(ev(7, 1)));
    await nextTick();
    assert.deepEqual(sink.positions(), [3, 4, 7], 'a repeat of a sent position is dropped');
  });

  it('a stream that turns out slow while going live stays closed and never counts as live', async () => {
    const { sub, sink, closes } = subscriber('alice', { budget: 300 });
    sink.backlogBytes = 200;
    for (const pos of [1, 2, 3]) sub.hold({ ...ev(pos, 1), data: JSON.stringify({ pad: 'x'.repeat(100) }) });
    let routed = 0;
    const live = sub.goLive((e) => (routed++, stored(e)));
    assert.equal(live, false);
    assert.equal(routed, 1, 'routing stops at the frame that closed it');
    assert.equal(sub.closed, true);
    assert.equal(sub.live, false);
    assert.equal(sub.wentLive, false);
    assert.deepEqual(closes, ['slow']);
    assert.deepEqual(sink.ends, [true]);
    await nextTick();
    assert.deepEqual(sink.writes, []);
  });

  it('drained() waits for a client that is behind and returns at once for one that is not', async () => {
    const { sub, sink } = subscriber('alice');
    await sub.drained();
    sink.reading = false;
    sink.accumulate = true;
    sub.send(frame(1, 50));
    let done = false;
    const waiting = sub.drained().then(() => (done = true));
    assert.equal(sink.writes.length, 1, 'drained() flushes first');
    await nextTick();
    assert.equal(done, false, 'still waiting while the client has not read');
    sink.drain();
    await waiting;
    assert.equal(sub.pendingBytes(), 0);
  });
});
