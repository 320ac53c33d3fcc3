/**
 * Feed (src/core/feed.ts) in process: a fake store whose log is an array, and a
 * hub that records what it is given. Gap fills with real timers are awaited on
 * the hub's signal; where a test must show that a timer does *not* fire, it uses
 * node:test's mock timers, so the proof is a tick, not a sleep.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it, mock } from 'node:test';
import { Feed, type FeedOptions } from '../../src/core/feed.ts';
import type { Hub } from '../../src/core/hub.ts';
import type { LogEvent } from '../../src/core/types.ts';
import type { Store } from '../../src/storage/store.ts';
import { waitFor } from '../helpers/wait.ts';

const ev = (pos: number): LogEvent => ({ pos, roomId: 1, type: 'message', subject: null, data: `{"n":${pos}}` });
const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** An event log in memory: `log[i]` has position i + 1, so the head is its length. */
class FakeStore {
  readonly log: LogEvent[] = [];
  readonly reads: { after: number; upTo: number; limit: number }[] = [];
  heads = 0;
  /** When set, the next readLog rejects with it (once). */
  failNext: Error | null = null;

  constructor(head = 0) {
    this.commit(head);
  }
  /** Append `n` events, as other nodes' commits would. */
  commit(n: number): void {
    for (let i = 0; i < n; i++) this.log.push(ev(this.log.length + 1));
  }
  async head(): Promise<number> {
    this.heads++;
    return this.log.length;
  }
  async readLog(after: number, upTo: number, limit: number): Promise<LogEvent[]> {
    this.reads.push({ after, upTo, limit });
    const err = this.failNext;
    this.failNext = null;
    if (err) throw err;
    return this.log.filter((e) => e.pos > after && e.pos <= upTo).slice(0, limit);
  }
}

/** Every batch the feed handed to the hub. */
class RecordingHub {
  readonly batches: LogEvent[][] = [];
  deliver(events: LogEvent[]): void {
    this.batches.push(events);
  }
  get positions(): number[] {
    return this.batches.flat().map((e) => e.pos);
  }
}

const feeds: Feed[] = [];
/** A started feed; the Feed uses only Store.head/readLog and Hub.deliver, which the fakes implement. */
async function startFeed(store: FakeStore, opts: Partial<FeedOptions> = {}): Promise<{ feed: Feed; hub: RecordingHub }> {
  const hub = new RecordingHub();
  const feed = new Feed(store as unknown as Store, hub as unknown as Hub, { gapMs: 5, pollMs: 0, ...opts });
  feeds.push(feed);
  await feed.start();
  return { feed, hub };
}

describe('Feed', () => {
  afterEach(() => {
    for (const f of feeds.splice(0)) f.close();
    mock.restoreAll();
    mock.timers.reset();
  });

  it('delivers events accepted out of order in position order, each once', async () => {
    const store = new FakeStore();
    const { feed, hub } = await startFeed(store, { gapMs: 60_000 });
    feed.accept([ev(3)]);
    feed.accept([ev(1)]);
    assert.deepEqual(hub.positions, [1], '3 is held until 2 arrives');
    feed.accept([ev(2)]);
    assert.deepEqual(hub.positions, [1, 2, 3]);
    assert.equal(feed.position(), 3);
    assert.equal(store.reads.length, 0, 'no gap was left open long enough to read the store');
  });

  it('drops a repeat, whether already delivered or held twice', async () => {
    const { feed, hub } = await startFeed(new FakeStore(), { gapMs: 60_000 });
    feed.accept([ev(1), ev(1)]);
    feed.accept([ev(1)]);
    feed.accept([ev(3)]);
    feed.accept([ev(3), ev(4)]);
    feed.accept([ev(2), ev(2)]);
    feed.accept([ev(4), ev(1)]);
    assert.deepEqual(hub.positions, [1, 2, 3, 4]);
  });

  it('never delivers events at or below the head it started from', async () => {
    const store = new FakeStore(5);
    const { feed, hub } = await startFeed(store, { gapMs: 60_000 });
    assert.equal(feed.position(), 5);
    feed.accept(store.log.slice(0, 5));
    feed.accept([ev(3), ev(6), ev(5)]);
    assert.deepEqual(hub.positions, [6]);
  });

  it('reads a gap that accept does not fill from the store after gapMs', async () => {
    const store = new FakeStore();
    const { feed, hub } = await startFeed(store, { gapMs: 5 });
    store.commit(4);
    feed.accept([ev(1), ev(4)]); // 2 and 3 were lost on the way
    assert.deepEqual(hub.positions, [1]);
    await waitFor(() => hub.positions.length === 4, 'the gap filled from the store');
    assert.deepEqual(hub.positions, [1, 2, 3, 4]);
    assert.deepEqual(store.reads, [{ after: 1, upTo: 4, limit: 1000 }], 'one read of exactly the missing range and what was held');
    assert.equal(feed.position(), 4);
  });

  it('reads nothing from the store when accept fills the gap before gapMs', async () => {
    mock.timers.enable({ apis: ['setTimeout', 'setInterval'] });
    const store = new FakeStore();
    const { feed, hub } = await startFeed(store, { gapMs: 100 });
    store.commit(3);
    feed.accept([ev(1), ev(3)]);
    mock.timers.tick(99);
    feed.accept([ev(2)]);
    mock.timers.tick(10_000);
    assert.deepEqual(hub.positions, [1, 2, 3]);
    assert.equal(store.reads.length, 0, 'no readLog');
    assert.equal(store.heads, 1, 'no head() either, beyond the one in start()');
  });

  it('with pollMs > 0, delivers events committed to the store that never came through accept', async () => {
    const store = new FakeStore(2);
    const { feed, hub } = await startFeed(store, { pollMs: 5 });
    store.commit(3); // the broker is down: nothing is accepted
    await waitFor(() => hub.positions.length === 3, 'the polled events');
    store.commit(2);
    await waitFor(() => hub.positions.length === 5, 'the next polled events');
    assert.deepEqual(hub.positions, [3, 4, 5, 6, 7]);
    assert.equal(feed.position(), 7);
  });

  it('reports a store error during a fill to onError, and a later fill still delivers everything once, in order', async () => {
    const errors: unknown[] = [];
    // What was delivered when the failure was reported (the feed retries by itself soon after, so read it then).
    let deliveredAtError: number[] = [];
    const store = new FakeStore();
    const started: { hub?: { positions: number[] } } = {};
    const { feed, hub } = await startFeed(store, {
      gapMs: 5,
      onError: (err) => {
        errors.push(err);
        deliveredAtError = [...(started.hub?.positions ?? [])];
      },
    });
    started.hub = hub;
    store.commit(5);
    store.failNext = new Error('connection reset');
    feed.accept([ev(1), ev(5)]);
    await waitFor(() => errors.length === 1, 'the failed fill reported');
    assert.equal((errors[0] as Error).message, 'connection reset');
    assert.deepEqual(deliveredAtError, [1], 'nothing past the gap was guessed');
    await feed.fill();
    feed.accept([ev(4), ev(5)]);
    assert.deepEqual(hub.positions, [1, 2, 3, 4, 5]);
    assert.equal(errors.length, 1);
  });

  it('after a failed fill, reads the gap again by itself (no later accept or poll needed)', async () => {
    const errors: unknown[] = [];
    const store = new FakeStore();
    const { feed, hub } = await startFeed(store, { gapMs: 5, pollMs: 0, onError: (err) => errors.push(err) });
    store.commit(4);
    store.failNext = new Error('database restarting');
    feed.accept([ev(1), ev(4)]);
    await waitFor(() => hub.positions.length === 4, 'the gap filled on the retry');
    assert.deepEqual(hub.positions, [1, 2, 3, 4]);
    assert.equal(errors.length, 1);
  });

  it('reads a gap bigger than one page in pages, and delivers it whole, in order', async () => {
    const store = new FakeStore();
    const { feed, hub } = await startFeed(store, { gapMs: 5 });
    store.commit(2500);
    feed.accept([ev(2500)]);
    await waitFor(() => hub.positions.length === 2500, 'the whole gap');
    assert.deepEqual(hub.positions, range(1, 2500));
    assert.deepEqual(store.reads.map((r) => [r.after, r.upTo]), [[0, 2500], [1000, 2500], [2000, 2500]]);
    assert.ok(store.reads.every((r) => r.limit === 1000), 'every read is bounded by the page size');
    assert.equal(feed.position(), 2500);
  });

  it('after close(), delivers nothing, and its timers are cleared and never fire', async () => {
    mock.timers.enable({ apis: ['setTimeout', 'setInterval'] });
    // Spies over the mocked timers, to see that close() hands back exactly the handles the feed armed.
    const timers = [mock.method(globalThis, 'setTimeout'), mock.method(globalThis, 'setInterval')];
    const clears = [mock.method(globalThis, 'clearTimeout'), mock.method(globalThis, 'clearInterval')];
    const store = new FakeStore();
    const { feed, hub } = await startFeed(store, { gapMs: 10, pollMs: 10 });
    store.commit(3);
    feed.accept([ev(1), ev(3)]); // arms the gap timer; start() armed the poll
    const armed = timers.flatMap((t) => t.mock.calls.map((c) => c.result));
    assert.equal(armed.length, 2);
    feed.close();
    feed.close();
    const cleared = clears.flatMap((c) => c.mock.calls.map((call) => call.arguments[0]));
    for (const handle of armed) assert.ok(cleared.includes(handle), 'every timer the feed armed was cleared');
    feed.accept([ev(2)]);
    mock.timers.tick(10_000); // past many gap and poll periods
    await feed.fill();
    assert.deepEqual(hub.positions, [1]);
    assert.equal(store.reads.length, 0, 'no fill ran');
  });

  it('delivers a shuffled 1..200 with random repeats, in random-sized batches, exactly as 1..200', async () => {
    for (const seed of [1, 2, 3, 42, 2026]) {
      const rand = mulberry32(seed);
      const input = range(1, 200);
      for (let i = input.length - 1; i > 0; i--) {
        const j = Math.floor(rand() * (i + 1));
        [input[i], input[j]] = [input[j]!, input[i]!];
      }
      for (let k = 0; k < 60; k++) input.splice(Math.floor(rand() * input.length), 0, 1 + Math.floor(rand() * 200));
      const { feed, hub } = await startFeed(new FakeStore(), { gapMs: 60_000 });
      while (input.length > 0) feed.accept(input.splice(0, 1 + Math.floor(rand() * 10)).map(ev));
      assert.deepEqual(hub.positions, range(1, 200), `seed ${seed}`);
      feed.close();
    }
  });
});

/** A tiny seeded PRNG (mulberry32), so a failing permutation reproduces from its seed. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
