/**
 * The record of "written to a visible stream" (API v1.1 §4, issue 13 item 2), kept in the database so that it
 * holds across nodes: the node that decides a push may not be the node holding the recipient's stream.
 *
 * Each stream knows, in memory, the stretches of log positions it wrote while its page was visible
 * (Subscriber.takeSpans: two numbers per stream, no work per event). Every `flushMs` this node writes the
 * stretches of the streams of users who have a push subscription (nobody else is ever pushed, so nobody
 * else's visibility is worth a write), and the stretches of such streams that closed. A stretch is keyed by
 * (stream, first position) and grows in place, so a busy visible stream costs one upsert per flush.
 *
 * The push delay is at least four flushes long, so a message's fate is on disk before it is decided. A node
 * that dies loses at most its last flush: a message seen in that moment may still be pushed (never the reverse).
 */
import type { PushWork, VisibleSpan } from '../storage/push-work.ts';
import type { Subscriber } from './subscriber.ts';

export interface SpanSource {
  /** The open streams of a user on this node. */
  streamsOf(userId: string): Iterable<Subscriber>;
  onStreamClosed(cb: (sub: Subscriber) => void): void;
}

export class VisibleSpans {
  /** Users with a push subscription (refreshed every flush). */
  private users = new Set<string>();
  /** Stretches of closed streams, written at the next flush. */
  private closed: VisibleSpan[] = [];
  /** The stretch last written per stream (`from to`), to skip it while unchanged. */
  private written = new WeakMap<Subscriber, string>();

  constructor(private readonly work: Pick<PushWork, 'pushUsers' | 'recordSpans'>, private readonly streams: SpanSource) {
    streams.onStreamClosed((sub) => {
      if (this.users.has(sub.userId)) this.closed.push(...spansOf(sub));
    });
  }

  /** Write what changed since the last flush, then refresh who has subscriptions. */
  async flush(now = Date.now()): Promise<void> {
    const spans = this.closed;
    this.closed = [];
    for (const userId of this.users) {
      for (const sub of this.streams.streamsOf(userId)) {
        for (const span of spansOf(sub)) {
          const key = `${span.fromPos} ${span.toPos}`;
          if (this.written.get(sub) === key) continue;
          this.written.set(sub, key);
          spans.push(span);
        }
      }
    }
    try {
      await this.work.recordSpans(dedupe(spans), now);
    } catch (err) {
      // Not written: try these again at the next flush (growing stretches are re-read from the streams anyway).
      this.closed.push(...spans);
      this.written = new WeakMap();
      throw err;
    }
    this.users = new Set(await this.work.pushUsers());
  }
}

function spansOf(sub: Subscriber): VisibleSpan[] {
  return sub.takeSpans().map(([fromPos, toPos]) => ({ streamId: sub.streamId, userId: sub.userId, fromPos, toPos }));
}

/** One row per stretch (its furthest end): a batch may not upsert the same key twice. */
function dedupe(spans: VisibleSpan[]): VisibleSpan[] {
  const byKey = new Map<string, VisibleSpan>();
  for (const s of spans) {
    const key = `${s.streamId} ${s.fromPos}`;
    const have = byKey.get(key);
    if (!have || have.toPos < s.toPos) byKey.set(key, s);
  }
  return [...byKey.values()];
}
