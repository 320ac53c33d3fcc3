/**
 * The recent tail of the log as this node's hub delivered it: every event of an unbroken run of positions,
 * newest last, so that a reconnect storm can replay from memory instead of asking the store once per stream
 * (core/replay.ts).
 *
 * Complete by construction: the Feed hands the hub every position in order, gaplessly (filling gaps from the
 * store), and the tail still checks it: an event that skips a position starts a new run, so the tail never
 * claims a range it did not see (a node that joined late, or a feed restarted after an outage).
 *
 * It also remembers, per user, the newest membership event about them (member_joined / member_left, whose
 * positions are exactly where the store's member spans start and end): a replay from memory is exact only
 * when the user's rooms did not change inside the range, which that one number decides.
 */
import type { LogEvent } from './types.ts';

/** Events kept at most (as many as the hub's frame cache). */
export const TAIL_MAX = 4096;
/** …and at most this many bytes of event data (a tail of 16 KB messages would otherwise hold 64 MB). */
export const TAIL_BYTES = 8 * 1024 * 1024;

export class Tail {
  /** events[start..] are the tail, positions consecutive from `first`. */
  private events: LogEvent[] = [];
  private start = 0;
  private bytes = 0;
  /** The newest membership event's position per user (its subject), for users with one in the tail. */
  private readonly memberAt = new Map<string, number>();

  constructor(private readonly max = TAIL_MAX, private readonly maxBytes = TAIL_BYTES) {}

  /** Position of the oldest event held (0 when empty). */
  get first(): number {
    return this.events[this.start]?.pos ?? 0;
  }

  /** Position of the newest event held (0 when empty). */
  get last(): number {
    return this.events.at(-1)?.pos ?? 0;
  }

  /** Add the next delivered event; a repeat is ignored, and one that does not follow the newest starts the tail anew. */
  push(e: LogEvent): void {
    const held = this.events.length > this.start;
    if (held && e.pos <= this.last) return; // positions never change: this one was seen (or is older than the tail)
    if (held && e.pos !== this.last + 1) this.clear();
    this.events.push(e);
    this.bytes += e.data.length;
    if ((e.type === 'member_joined' || e.type === 'member_left') && e.subject !== null) this.memberAt.set(e.subject, e.pos);
    while (this.events.length - this.start > this.max || (this.bytes > this.maxBytes && this.events.length - this.start > 1)) this.evict();
  }

  /** The event at `pos`, if held. */
  at(pos: number): LogEvent | undefined {
    const first = this.first;
    return first === 0 || pos < first ? undefined : this.events[this.start + pos - first];
  }

  /**
   * How far from `after` the tail can replay for `userId` towards `upTo`: the highest position P ≤ upTo such that
   * every position in (after, P] is held and the user's rooms did not change in it; `after` itself when none.
   */
  coverage(userId: string, after: number, upTo: number): number {
    const first = this.first;
    if (first === 0 || first > after + 1 || (this.memberAt.get(userId) ?? 0) > after) return after;
    return Math.max(after, Math.min(upTo, this.last));
  }

  private evict(): void {
    const e = this.events[this.start]!;
    this.events[this.start++] = undefined as unknown as LogEvent;
    this.bytes -= e.data.length;
    if (e.subject !== null && this.memberAt.get(e.subject) === e.pos) this.memberAt.delete(e.subject);
    if (this.start > 1024 && this.start * 2 > this.events.length) {
      this.events = this.events.slice(this.start);
      this.start = 0;
    }
  }

  private clear(): void {
    this.events = [];
    this.start = 0;
    this.bytes = 0;
    this.memberAt.clear();
  }
}
