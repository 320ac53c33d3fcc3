/**
 * At most one `typing` event per user and room per TYPING_INTERVAL_MS (API v1.1 §7): the first goes
 * out at once, and further ones within the interval of the last one sent are dropped. A request is
 * never refused for it; the signal is only not relayed. Per node: in cluster mode a user who types
 * through two nodes may be shown once per node, which is harmless for a transient signal.
 */

/** The minimum gap between two `typing` events of one user in one room. */
export const TYPING_INTERVAL_MS = 2000;

/** Past this many entries, expired ones are swept, at most once per interval (bounded memory and time). */
const SWEEP_AT = 1000;

export class TypingThrottle {
  /** `${roomId}:${userId}` → when the last event was sent (ms). */
  private readonly sent = new Map<string, number>();
  private lastSweep = 0;

  /** True when a `typing` event of `userId` in `roomId` may go out now; it then counts as sent. */
  allow(roomId: number, userId: string): boolean {
    const now = Date.now();
    const key = `${roomId}:${userId}`;
    const last = this.sent.get(key);
    if (last !== undefined && now - last < TYPING_INTERVAL_MS) return false;
    if (this.sent.size >= SWEEP_AT && now - this.lastSweep >= TYPING_INTERVAL_MS) this.sweep(now);
    this.sent.set(key, now);
    return true;
  }

  /** Entries held (for tests). */
  get size(): number {
    return this.sent.size;
  }

  private sweep(now: number): void {
    this.lastSweep = now;
    for (const [key, at] of this.sent) if (now - at >= TYPING_INTERVAL_MS) this.sent.delete(key);
  }
}
