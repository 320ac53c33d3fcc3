/**
 * Event streams: opening one (subscribe → replay → live, STYLE habit 6), caps,
 * heartbeat, session end and shutdown. The transport is a `Sink` (http/socket-sink.ts).
 *
 * Opening order, and why it is loss-free and duplicate-free:
 * 1. The subscriber registers as pending: from now on it holds every event the
 *    hub delivers, so nothing committed after this point can be missed.
 * 2. One store snapshot gives the user's rooms and the log head H.
 * 3. Replay sends every event in (cursor, H] the user could see (core/replay.ts: from the hub's tail, or the store).
 * 4. goLive drains what it held, skipping positions ≤ the last one sent, and joins
 *    the room sets in the same synchronous step.
 */
import { randomBytes } from 'node:crypto';
import type { EventLog, Lifecycle } from '../storage/store.ts';
import type { Session } from './auth.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { ChatError } from './errors.ts';
import type { CapHit, StreamSlots } from './limits.ts';
import type { Hub } from './hub.ts';
import type { Presence } from './presence.ts';
import { Replayer } from './replay.ts';
import { encodeComment, encodeData, encodeEvent, encodeIdOnly, encodeJitteredRetry } from './sse-frame.ts';
import { Subscriber, type CloseReason, type Sink } from './subscriber.ts';
import { Turns } from './turns.ts';

/** Closing streams at shutdown goes in steps this far apart. */
const SPREAD_STEP_MS = 20;

/**
 * Stream ids: unique across nodes and restarts (a random prefix per process) and cheap (a counter, not 12 random
 * bytes per stream). They need not be secret: a visibility report names a stream of the caller's own (setVisibility).
 */
const STREAM_ID_PREFIX = randomBytes(6).toString('base64url');
let streamSeq = 0;
const idBytes = Buffer.alloc(6);

/** 16 base64url characters, as before: 8 of the process's prefix, 8 of a 48-bit counter. */
function nextStreamId(): string {
  idBytes.writeUIntBE(++streamSeq % 2 ** 48, 0, 6);
  return STREAM_ID_PREFIX + idBytes.toString('base64url');
}

export interface StreamOptions {
  retryMs: number;
  heartbeatMs: number;
  /** Unsent-bytes budget per stream. */
  budget: number;
  /** Caps; 0 = none. */
  perUser: number;
  perIp: number;
  /** How long a replay may wait for its client to read before the stream is closed as `slow`; 0 (the default) = no deadline. */
  replayStallMs?: number;
  /** Streams replaying at once on this node; more wait their turn (FIFO, core/turns.ts) before reading the store. 0 (the default) = no cap. */
  replaysMax?: number;
  /** In cluster mode, the caps counted across every node (broker/redis-limits.ts); null/absent = this node's count only. */
  slots?: StreamSlots | null;
}

/** Counters the stream reports to; http/metrics.ts implements them with Prometheus. */
export interface StreamMetrics {
  opened(): void;
  closed(reason: CloseReason): void;
  replayed(n: number): void;
}

const PING = Buffer.from(encodeComment('ping'));

export class Streams {
  private readonly perIp = new Map<string, number>();
  private readonly heartbeat: NodeJS.Timeout;
  private open_ = 0;
  private readonly turns: Turns;
  /**
   * Turns for opening requests (no cap, time-sliced: core/turns.ts). The HTTP layer takes one before it
   * authenticates a stream request and gives it back once `open` has registered the stream, so the requests
   * of a storm that arrive together are handled a slice per loop iteration.
   */
  readonly arrivals = new Turns();
  /** Shared slots (cluster mode) of open streams, returned on close. */
  private readonly slotOf = new Map<Subscriber, string>();
  private readonly closedListeners: ((sub: Subscriber) => void)[] = [];
  private slotSeq = 0;
  private readonly replayer: Replayer;

  constructor(
    private readonly store: Pick<EventLog, 'memberRooms' | 'readEvents'> & Pick<Lifecycle, 'logId'>,
    private readonly hub: Hub,
    private readonly presence: Presence,
    private readonly opts: StreamOptions,
    private readonly metrics: StreamMetrics,
  ) {
    this.replayer = new Replayer(store, hub, opts);
    this.turns = new Turns(opts.replaysMax ?? 0);
    this.heartbeat = setInterval(() => this.beat(), Math.max(5, Math.min(1000, opts.heartbeatMs / 4)));
    this.heartbeat.unref();
  }

  /** Open streams on this node. */
  count(): number {
    return this.open_;
  }

  /**
   * Admit a new stream of this user and address, or throw 429 when either already has as many streams as
   * allowed: on this node, and in cluster mode on all of them (a shared slot, returned when the stream closes).
   * Returns the shared slot's id (pass it to `open`), or null.
   */
  async admit(userId: string, ip: string): Promise<string | null> {
    this.checkCaps(userId, ip);
    const { slots, perUser, perIp } = this.opts;
    if (!slots || (perUser === 0 && perIp === 0)) return null;
    const slot = `s${++this.slotSeq}`;
    const full = await slots.acquire(slot, userId, ip, { perUser, perIp });
    if (full) this.refuse(full);
    try {
      this.checkCaps(userId, ip); // this node's count may have grown while Redis answered
    } catch (err) {
      slots.release(slot);
      throw err;
    }
    return slot;
  }

  private checkCaps(userId: string, ip: string): void {
    const { perUser, perIp } = this.opts;
    if (perUser > 0 && this.hub.streamsOf(userId).size >= perUser) this.refuse('user');
    if (perIp > 0 && (this.perIp.get(ip) ?? 0) >= perIp) this.refuse('ip');
  }

  private refuse(cap: CapHit): never {
    this.metrics.closed('cap');
    const { perUser, perIp } = this.opts;
    throw new ChatError('rate_limited', cap === 'user' ? `at most ${perUser} open streams per user` : `at most ${perIp} open streams per address`, 5);
  }

  /** Run a stream to live. The sink already sent the response head; `cursor` is the client's resume point, if any. */
  async open(session: Session, ip: string, sink: Sink, cursor: string | undefined, slot: string | null = null, visible = true): Promise<Subscriber> {
    const streamId = nextStreamId();
    const owner = { userId: session.user.id, username: session.user.username, sessionId: session.sessionId, ip, streamId, visible };
    const sub = new Subscriber(owner, sink, this.opts.budget, (s, r) => this.onClose(s, r));
    if (slot !== null) this.slotOf.set(sub, slot);
    sink.onClose(() => sub.close('client'));
    this.open_++;
    this.perIp.set(ip, (this.perIp.get(ip) ?? 0) + 1);
    this.metrics.opened();
    // Jittered per connection (0.5× to 1.5×): clients dropped together do not all come back together.
    sub.writeNow(Buffer.from(encodeJitteredRetry(this.opts.retryMs)));
    this.hub.addPending(sub);
    try {
      // A stream waiting for its turn is pending: it holds what the hub delivers and loses nothing.
      await this.turns.take();
      try {
        if (sub.pending) await this.replayAndGoLive(sub, session, cursor);
      } finally {
        this.turns.give();
      }
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
    const ready = { user: session.user, rooms: snap.rooms, cursor: check?.ok ? encodeCursor(from, this.store.logId) : headCursor, stream_id: sub.streamId };
    // `ready` and the block after it go out in one write: a client never holds `ready` without its cursor.
    sub.send(Buffer.from(encodeEvent('ready', encodeData(ready))));
    if (check && !check.ok) sub.writeNow(Buffer.from(encodeEvent('reset', encodeData({ reason: `cursor ${check.reason}` }), headCursor)));
    // `ready` carries no id (API.md); this id-only block makes the browser's Last-Event-ID the ready cursor,
    // so a drop before the first stored event still resumes instead of starting over and missing events.
    else sub.writeNow(Buffer.from(encodeIdOnly(ready.cursor)));
    sub.replayFrom(from);
    const replayed = await this.replayer.run(sub, session.user.id, snap.roomIds, snap.head);
    if (!sub.pending) return;
    sub.replayed(snap.head);
    sub.flush();
    this.metrics.replayed(replayed);
    const rooms = this.hub.goLive(sub, snap.roomIds);
    if (rooms) this.presence.up({ id: sub.userId, username: sub.username }, rooms);
  }

  /** The page of the user's stream `streamId` on this node became visible or hidden; false when no such stream is here. */
  setVisibility(userId: string, streamId: string, visible: boolean): boolean {
    for (const sub of this.hub.streamsOf(userId)) {
      if (sub.streamId === streamId && !sub.closed) {
        sub.setVisible(visible);
        return true;
      }
    }
    return false;
  }

  /** Call `cb` with each stream as it closes (after the hub let go of it). */
  onStreamClosed(cb: (sub: Subscriber) => void): void {
    this.closedListeners.push(cb);
  }

  /** End every stream of a session (logout): within this call. */
  endSession(sessionId: string, userId: string): void {
    for (const sub of [...this.hub.streamsOf(userId)]) if (sub.sessionId === sessionId) sub.close('logout');
  }

  /**
   * Close every stream (clients reconnect and resume by cursor), spread evenly over `spreadMs` so that thousands of
   * clients do not all come back in the same millisecond (their `retry:` hints are jittered too). Streams that
   * open meanwhile are closed at the end. Idempotent.
   */
  async shutdown(spreadMs = 0): Promise<void> {
    clearInterval(this.heartbeat);
    const subs = [...this.hub.all()];
    const steps = spreadMs > 0 ? Math.min(subs.length, Math.max(1, Math.floor(spreadMs / SPREAD_STEP_MS))) : 1;
    for (let i = 0; i < steps; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, SPREAD_STEP_MS));
      for (const sub of subs.slice(Math.floor((i * subs.length) / steps), Math.floor(((i + 1) * subs.length) / steps))) sub.close('shutdown');
    }
    for (const sub of [...this.hub.all()]) sub.close('shutdown');
  }

  private onClose(sub: Subscriber, reason: CloseReason): void {
    const slot = this.slotOf.get(sub);
    if (slot !== undefined) {
      this.slotOf.delete(sub);
      this.opts.slots?.release(slot);
    }
    const rooms = this.hub.remove(sub);
    this.open_--;
    const n = (this.perIp.get(sub.ip) ?? 1) - 1;
    if (n > 0) this.perIp.set(sub.ip, n);
    else this.perIp.delete(sub.ip);
    this.metrics.closed(reason);
    if (sub.wentLive) this.presence.down({ id: sub.userId, username: sub.username }, rooms);
    for (const cb of this.closedListeners) cb(sub);
  }

  /** Send `: ping` to streams that have been silent for the heartbeat interval. */
  private beat(): void {
    const due = Date.now() - this.opts.heartbeatMs;
    for (const sub of this.hub.all()) if (sub.lastWrite <= due && !sub.closed) sub.writeNow(PING);
  }
}
