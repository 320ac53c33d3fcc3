/**
 * The ordered feed of committed events into the local hub.
 *
 * Events reach this node from its own commits (Relay.publish) and, in cluster
 * mode, from the broker. Neither path guarantees order or completeness: two
 * local requests may resume out of order after their commits, and Redis pub/sub
 * is at-most-once. So the feed delivers strictly by position: it holds events
 * that arrive ahead of a gap, and if the gap is not filled quickly it reads the
 * missing range from the store, which is the source of truth (STYLE habit 5).
 * With a remote broker it also polls the store's head, so a broker outage only
 * delays delivery, never loses it.
 */
import type { EventLog } from '../storage/store.ts';
import type { Hub } from './hub.ts';
import type { LogEvent } from './types.ts';

/** How long a missing position may be awaited before it is read from the store. */
export const FEED_GAP_MS = 200;
/** How often a clustered node polls the store head, so a broker outage only delays delivery. */
export const FEED_POLL_MS = 1000;

export interface FeedOptions {
  /** How long to wait for a missing position before reading it from the store (FEED_GAP_MS in production). */
  gapMs: number;
  /** Poll the store head this often (0 = never; single-node mode needs no polling; FEED_POLL_MS in cluster mode). */
  pollMs: number;
  /** A store read that failed (retried after gapMs while a gap is open, and at every poll). */
  onError?: (err: unknown) => void;
}

const FILL_PAGE = 1000;

export class Feed {
  private next = 1;
  private readonly held = new Map<number, LogEvent>();
  private gapTimer: NodeJS.Timeout | null = null;
  private pollTimer: NodeJS.Timeout | null = null;
  private filling = false;
  private closed = false;

  constructor(private readonly store: Pick<EventLog, 'head' | 'readLog'>, private readonly hub: Pick<Hub, 'deliver'>, private readonly opts: FeedOptions) {}

  /** Start after the store's current head (events before it are served by replay). */
  async start(): Promise<void> {
    this.next = (await this.store.head()) + 1;
    if (this.opts.pollMs > 0) {
      this.pollTimer = setInterval(() => void this.fill(), this.opts.pollMs);
      this.pollTimer.unref();
    }
  }

  /** The next position this node will deliver; everything below it has been delivered. */
  position(): number {
    return this.next - 1;
  }

  /** Events from anywhere, in any order, possibly repeated: delivered once each, in position order. */
  accept(events: LogEvent[]): void {
    if (this.closed) return;
    for (const e of events) if (e.pos >= this.next) this.held.set(e.pos, e);
    this.drain();
    this.awaitGap();
  }

  /** Read everything between what was delivered and the store's head (or the highest held event). */
  async fill(): Promise<void> {
    if (this.filling || this.closed) return;
    this.filling = true;
    try {
      let upTo = Math.max(0, ...this.held.keys());
      if (this.opts.pollMs > 0 || upTo === 0) upTo = Math.max(upTo, await this.store.head());
      while (!this.closed && this.next <= upTo) {
        const page = await this.store.readLog(this.next - 1, upTo, FILL_PAGE);
        if (page.length === 0) break;
        this.accept(page);
      }
    } catch (err) {
      this.opts.onError?.(err);
    } finally {
      this.filling = false;
    }
    // A gap still open (the read failed, or it raced a commit) is read again after gapMs, not left to the next accept.
    this.awaitGap();
  }

  /** Stop delivering and cancel timers. Idempotent. */
  close(): void {
    this.closed = true;
    if (this.gapTimer) clearTimeout(this.gapTimer);
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.held.clear();
  }

  /** While events are held behind a gap, make sure a fill is scheduled. */
  private awaitGap(): void {
    if (this.closed || this.held.size === 0 || this.gapTimer !== null) return;
    this.gapTimer = setTimeout(() => {
      this.gapTimer = null;
      void this.fill();
    }, this.opts.gapMs);
    this.gapTimer.unref();
  }

  private drain(): void {
    if (!this.held.has(this.next)) return;
    const batch: LogEvent[] = [];
    let e: LogEvent | undefined;
    while ((e = this.held.get(this.next)) !== undefined) {
      this.held.delete(this.next);
      batch.push(e);
      this.next++;
    }
    this.hub.deliver(batch);
    if (this.held.size === 0 && this.gapTimer) {
      clearTimeout(this.gapTimer);
      this.gapTimer = null;
    }
  }
}
