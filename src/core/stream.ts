/**
 * Event streams: opening one (subscribe → replay → live, STYLE habit 6), caps,
 * heartbeat, session end and shutdown. The transport is a `Sink` (http/socket-sink.ts).
 *
 * Opening order, and why it is loss-free and duplicate-free:
 * 1. The subscriber registers as pending: from now on it holds every event the
 *    hub delivers, so nothing committed after this point can be missed.
 * 2. One store snapshot gives the user's rooms and the log head H.
 * 3. Replay sends, in pages, every event in (cursor, H] the user could see.
 * 4. goLive drains what it held, skipping positions ≤ the last one sent, and joins
 *    the room sets in the same synchronous step.
 */
import type { EventLog, Lifecycle } from '../storage/store.ts';
import type { Session } from './auth.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { ChatError } from './errors.ts';
import type { Hub } from './hub.ts';
import type { Presence } from './presence.ts';
import { encodeComment, encodeData, encodeEvent, encodeIdOnly, encodeRetry } from './sse-frame.ts';
import { Subscriber, type CloseReason, type Sink } from './subscriber.ts';

export interface StreamOptions {
  retryMs: number;
  heartbeatMs: number;
  /** Unsent-bytes budget per stream. */
  budget: number;
  /** Caps; 0 = none. */
  perUser: number;
  perIp: number;
}

/** Counters the stream reports to; http/metrics.ts implements them with Prometheus. */
export interface StreamMetrics {
  opened(): void;
  closed(reason: CloseReason): void;
  replayed(n: number): void;
}

const REPLAY_PAGE = 500;
const PING = Buffer.from(encodeComment('ping'));

export class Streams {
  private readonly perIp = new Map<string, number>();
  private readonly heartbeat: NodeJS.Timeout;
  private open_ = 0;

  constructor(
    private readonly store: Pick<EventLog, 'memberRooms' | 'readEvents'> & Pick<Lifecycle, 'logId'>,
    private readonly hub: Hub,
    private readonly presence: Presence,
    private readonly opts: StreamOptions,
    private readonly metrics: StreamMetrics,
  ) {
    this.heartbeat = setInterval(() => this.beat(), Math.max(5, Math.min(1000, opts.heartbeatMs / 4)));
    this.heartbeat.unref();
  }

  /** Open streams on this node. */
  count(): number {
    return this.open_;
  }

  /** Throws 429 when the user or the address already has as many streams as allowed. */
  checkCaps(userId: string, ip: string): void {
    const { perUser, perIp } = this.opts;
    if (perUser > 0 && this.hub.streamsOf(userId).size >= perUser) {
      this.metrics.closed('cap');
      throw new ChatError('rate_limited', `at most ${perUser} open streams per user`, 5);
    }
    if (perIp > 0 && (this.perIp.get(ip) ?? 0) >= perIp) {
      this.metrics.closed('cap');
      throw new ChatError('rate_limited', `at most ${perIp} open streams per address`, 5);
    }
  }

  /** Run a stream to live. The sink already sent the response head; `cursor` is the client's resume point, if any. */
  async open(session: Session, ip: string, sink: Sink, cursor: string | undefined): Promise<Subscriber> {
    const owner = { userId: session.user.id, username: session.user.username, sessionId: session.sessionId, ip };
    const sub = new Subscriber(owner, sink, this.opts.budget, (s, r) => this.onClose(s, r));
    sink.onClose(() => sub.close('client'));
    this.open_++;
    this.perIp.set(ip, (this.perIp.get(ip) ?? 0) + 1);
    this.metrics.opened();
    sub.writeNow(Buffer.from(encodeRetry(this.opts.retryMs)));
    this.hub.addPending(sub);
    try {
      await this.replayAndGoLive(sub, session, cursor);
    } catch (err) {
      sub.close('error');
      throw err;
    }
    return sub;
  }

  private async replayAndGoLive(sub: Subscriber, session: Session, cursor: string | undefined): Promise<void> {
    const snap = await this.store.memberRooms(session.user.id);
    const headCursor = encodeCursor(snap.head, this.store.logId);
    const check = cursor === undefined ? undefined : decodeCursor(cursor, this.store.logId, snap.head);
    const from = check?.ok ? check.pos : snap.head;
    const ready = { user: session.user, rooms: snap.rooms, cursor: check?.ok ? encodeCursor(from, this.store.logId) : headCursor };
    sub.writeNow(Buffer.from(encodeEvent('ready', encodeData(ready))));
    if (check && !check.ok) sub.writeNow(Buffer.from(encodeEvent('reset', encodeData({ reason: `cursor ${check.reason}` }), headCursor)));
    // `ready` carries no id (API.md); this id-only block makes the browser's Last-Event-ID the ready cursor,
    // so a drop before the first stored event still resumes instead of starting over and missing events.
    else sub.writeNow(Buffer.from(encodeIdOnly(ready.cursor)));
    sub.replayFrom(from);
    let replayed = 0;
    while (sub.pending && sub.lastPos < snap.head) {
      const page = await this.store.readEvents(session.user.id, sub.lastPos, snap.head, REPLAY_PAGE);
      for (const e of page) {
        const frame = this.hub.frame(e);
        // Replay is pulled, so it waits for the client instead of overrunning the budget:
        // a backlog of any size is delivered whole to a client that reads.
        if (sub.pendingBytes() + frame.length > this.opts.budget / 2) {
          await sub.drained();
          if (!sub.pending) return;
        }
        sub.sendStored(e.pos, frame);
      }
      replayed += page.length;
      if (page.length < REPLAY_PAGE) break;
    }
    if (!sub.pending) return;
    sub.replayed(snap.head);
    sub.flush();
    this.metrics.replayed(replayed);
    const rooms = this.hub.goLive(sub, snap.roomIds);
    if (rooms) this.presence.up({ id: sub.userId, username: sub.username }, rooms);
  }

  /** End every stream of a session (logout): within this call. */
  endSession(sessionId: string, userId: string): void {
    for (const sub of [...this.hub.streamsOf(userId)]) if (sub.sessionId === sessionId) sub.close('logout');
  }

  /** Close every stream (clients reconnect and resume by cursor). Idempotent. */
  shutdown(): void {
    clearInterval(this.heartbeat);
    for (const sub of [...this.hub.all()]) sub.close('shutdown');
  }

  private onClose(sub: Subscriber, reason: CloseReason): void {
    const rooms = this.hub.remove(sub);
    this.open_--;
    const n = (this.perIp.get(sub.ip) ?? 1) - 1;
    if (n > 0) this.perIp.set(sub.ip, n);
    else this.perIp.delete(sub.ip);
    this.metrics.closed(reason);
    if (sub.wentLive) this.presence.down({ id: sub.userId, username: sub.username }, rooms);
  }

  /** Send `: ping` to streams that have been silent for the heartbeat interval. */
  private beat(): void {
    const due = Date.now() - this.opts.heartbeatMs;
    for (const sub of this.hub.all()) if (sub.lastWrite <= due && !sub.closed) sub.writeNow(PING);
  }
}
