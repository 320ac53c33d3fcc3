/**
 * Streams (src/core/stream.ts) replay limits, in process: a replay whose client
 * stops reading has a deadline (closed as slow, resumes by cursor), replay pages
 * are sized by bytes, and at most `replaysMax` streams replay at once.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it, mock } from 'node:test';
import { encodeCursor } from '../../src/core/cursor.ts';
import type { StreamOptions } from '../../src/core/stream.ts';
import type { Subscriber } from '../../src/core/subscriber.ts';
import { Gate, LOG_ID, nextTick, RecordingSink, session, streamWorld } from '../helpers/core-fakes.ts';

const cleanups: (() => void)[] = [];

function world(opts: Partial<StreamOptions> = {}) {
  const { log, hub, metrics, streams, close } = streamWorld(opts);
  cleanups.push(close);
  const open = (userId: string, sink: RecordingSink, cursor?: string): Promise<Subscriber> =>
    streams.open(session(userId), '10.0.0.1', sink, cursor);
  return { log, hub, metrics, streams, open };
}

/** A sink over a client that has stopped reading: writes pile up, drained() never resolves. */
function stalledSink(): RecordingSink {
  const sink = new RecordingSink();
  sink.accumulate = true;
  sink.reading = false;
  return sink;
}

/** Let the replay run until it waits (for the client or a turn): a few ticks with no new write. */
async function settle(sink: RecordingSink): Promise<void> {
  for (let quiet = 0; quiet < 5; ) {
    const n = sink.writes.length;
    await nextTick();
    quiet = sink.writes.length === n ? quiet + 1 : 0;
  }
}

describe('Streams replay limits', () => {
  afterEach(() => {
    for (const c of cleanups.splice(0)) c();
    mock.timers.reset();
  });

  it('a replay whose client stops reading is closed as slow at the stall deadline, releasing what it held', async () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    const w = world({ budget: 4096, replayStallMs: 1000 });
    w.log.join('alice', 1);
    for (let i = 0; i < 300; i++) w.log.post(1); // 2..301, ~25 KB: the replay must wait for the client
    const sink = stalledSink();
    let done = false;
    const opening = w.open('alice', sink, encodeCursor(1, LOG_ID)).then((s) => ((done = true), s));
    await settle(sink);
    w.hub.deliver([w.log.post(1)]); // held while pending
    mock.timers.tick(999);
    await settle(sink);
    assert.equal(done, false, 'still waiting for the client before the deadline');
    assert.deepEqual(sink.ends, []);
    mock.timers.tick(1);
    await settle(sink);
    assert.ok(done, 'the replay ended at the deadline (before: it waited for the client forever)');
    const sub = await opening;
    assert.equal(sub.closed, true);
    assert.equal(sub.wentLive, false);
    assert.deepEqual(sink.ends, [true], 'aborted: unsent bytes dropped');
    assert.deepEqual(w.metrics.closedReasons, ['slow']);
    assert.equal(sub.pendingBytes() - sink.backlogBytes, 0, 'no frames queued in the stream');
    assert.equal(w.hub.streamsOf('alice').size, 0, 'the hub no longer holds it (nor its held events)');
    assert.equal(w.streams.count(), 0);
    const got = sink.positions();
    assert.ok(got.length > 0 && got.length < 300);
    const again = new RecordingSink();
    await w.open('alice', again, sink.parse().lastEventId);
    assert.deepEqual([...got, ...again.positions()], w.log.log.slice(1).map((e) => e.pos), 'a resume by cursor gets the rest, once');
  });

  it('a replay whose client reads within the deadline each time goes on to live', async () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    const w = world({ budget: 4096, replayStallMs: 1000 });
    w.log.join('alice', 1);
    for (let i = 0; i < 300; i++) w.log.post(1);
    const sink = stalledSink();
    let sub: Subscriber | undefined;
    void w.open('alice', sink, encodeCursor(1, LOG_ID)).then((s) => (sub = s));
    let waits = 0;
    for (; sub === undefined && waits < 1000; waits++) {
      await settle(sink);
      mock.timers.tick(999); // the deadline is per wait: each of these is just in time
      sink.drain();
    }
    assert.ok(sub && waits > 3, `the replay waited ${waits} times`);
    assert.equal(sub.live, true);
    assert.deepEqual(sink.ends, []);
    assert.deepEqual(sink.positions(), Array.from({ length: 300 }, (_, i) => i + 2));
  });

  it('replay pages are sized by bytes: large events are read a few at a time, small ones 500 at a time', async () => {
    const w = world({ budget: 64 * 1024 }); // pages of at most 16 KiB
    w.log.join('alice', 1);
    for (let i = 0; i < 60; i++) w.log.post(1).data = JSON.stringify({ message: { room: 'r1', text: `${i} ${'x'.repeat(4000)}` } });
    const sink = new RecordingSink();
    const sub = await w.open('alice', sink, encodeCursor(1, LOG_ID));
    assert.equal(sub.live, true);
    assert.deepEqual(sink.positions(), Array.from({ length: 60 }, (_, i) => i + 2));
    const held = w.log.reads.map((r) => w.log.log.filter((e) => e.pos > r.after).slice(0, r.limit).reduce((n, e) => n + e.data.length, 0));
    assert.ok(held.every((b) => b <= 16 * 1024), `bytes read per page: ${held.join(', ')} (before: one page of all 60, ~246 KB)`);

    const small = world();
    small.log.join('bob', 1);
    for (let i = 0; i < 1200; i++) small.log.post(1);
    const s2 = new RecordingSink();
    await small.open('bob', s2, encodeCursor(1, LOG_ID));
    assert.equal(s2.positions().length, 1200);
    assert.ok(small.log.reads.some((r) => r.limit === 500), 'small events still go in pages of 500');
    assert.ok(small.log.reads.length <= 10, `${small.log.reads.length} reads`);
  });

  it('with replaysMax 1 the second stream replays only after the first finished, and both get every event once, in order', async () => {
    const w = world({ replaysMax: 1 });
    w.log.join('alice', 1);
    w.log.join('bob', 1);
    for (let i = 0; i < 5; i++) w.log.post(1); // 3..7
    const gate = (w.log.gate = new Gate());
    const a = new RecordingSink();
    const b = new RecordingSink();
    const order: string[] = [];
    const first = w.open('alice', a, encodeCursor(0, LOG_ID)).then((s) => (order.push('alice live'), s));
    await gate.entered;
    const second = w.open('bob', b, encodeCursor(0, LOG_ID)).then((s) => (order.push('bob live'), s));
    await settle(b);
    assert.equal(w.log.reads.length, 1, 'bob read nothing while alice replays (before: both replayed at once)');
    assert.deepEqual(b.writes.length, 1, 'bob has only its retry line: no ready yet');
    w.hub.deliver([w.log.post(1)]); // 8, held by both while pending
    gate.release();
    const [sa, sb] = await Promise.all([first, second]);
    w.hub.deliver([w.log.post(1)]); // 9, live
    await nextTick();
    assert.deepEqual(order, ['alice live', 'bob live']);
    assert.deepEqual([sa.live, sb.live], [true, true]);
    assert.deepEqual(a.positions(), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.deepEqual(b.positions(), [2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('a stream that goes away while waiting for its turn passes the turn on', async () => {
    const w = world({ replaysMax: 1 });
    w.log.join('alice', 1);
    const gate = (w.log.gate = new Gate());
    const first = w.open('alice', new RecordingSink(), encodeCursor(0, LOG_ID));
    await gate.entered;
    const gone = new RecordingSink();
    const waiting = w.open('bob', gone);
    gone.clientGone();
    const third = new RecordingSink();
    const after = w.open('carol', third);
    gate.release();
    await first;
    assert.equal((await waiting).closed, true);
    assert.equal((await after).live, true);
    assert.equal(w.streams.count(), 2);
  });
});
