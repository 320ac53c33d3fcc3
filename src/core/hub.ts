/**
 * Local fan-out: routes each event to the open streams of this node that may see
 * it. Stored events arrive here strictly in log order (the Feed guarantees it);
 * each is encoded once into a Buffer and the same Buffer goes to every stream.
 *
 * Membership is followed from the events themselves: a `member_joined` about a
 * user adds that user's live streams to the room before the event is delivered
 * (they see their own join), a `member_left` removes them after (they see their
 * own leave). A stream only reacts to events above its `lastPos`, so a stream
 * that went live from a newer snapshot is not disturbed by older events still
 * flowing through.
 */
import { NO_ROOM } from './events.ts';
import { encodeCursor } from './cursor.ts';
import { encodeData, encodeEvent } from './sse-frame.ts';
import type { Subscriber } from './subscriber.ts';
import { Tail } from './tail.ts';
import type { LogEvent, UserRef } from './types.ts';

/** Counters the hub reports to; http/metrics.ts implements them with Prometheus. */
export interface HubMetrics {
  delivered(n: number): void;
}

/** Frames of the most recent events, shared by live delivery and by replays (a reconnect storm re-sends the same tail). */
const FRAME_CACHE_MAX = 4096;
/** …and at most this many bytes of them: 4096 frames of 16 KB messages would otherwise keep 64 MB after every stream closed. */
const FRAME_CACHE_BYTES = 8 * 1024 * 1024;

export class Hub {
  private readonly byUser = new Map<string, Set<Subscriber>>();
  private readonly byRoom = new Map<number, Set<Subscriber>>();
  /** The rooms each live stream is routed in (the inverse of byRoom). */
  private readonly roomsOf = new Map<Subscriber, Set<number>>();
  private readonly pending = new Set<Subscriber>();
  private readonly frames = new Map<number, Buffer>();
  private frameBytes = 0;
  /** Every event delivered lately, for replays from memory (core/replay.ts). */
  readonly tail = new Tail();

  constructor(private readonly logId: string, private readonly metrics: HubMetrics) {}

  /** A stored event's frame, encoded once and cached for the recent tail of the log. */
  frame(e: LogEvent): Buffer {
    let frame = this.frames.get(e.pos);
    if (frame === undefined) {
      frame = Buffer.from(encodeEvent(e.type, e.data, encodeCursor(e.pos, this.logId)));
      this.frames.set(e.pos, frame);
      this.frameBytes += frame.length;
      while (this.frames.size > FRAME_CACHE_MAX || (this.frameBytes > FRAME_CACHE_BYTES && this.frames.size > 1)) {
        const [pos, old] = this.frames.entries().next().value!;
        this.frames.delete(pos);
        this.frameBytes -= old.length;
      }
    }
    return frame;
  }

  /** Register a new stream: it holds every event until it goes live. */
  addPending(sub: Subscriber): void {
    this.pending.add(sub);
    let set = this.byUser.get(sub.userId);
    if (!set) this.byUser.set(sub.userId, (set = new Set()));
    set.add(sub);
  }

  /**
   * Switch a replayed stream to live routing. Synchronous on purpose: no event can
   * slip between draining the held events and joining the room sets.
   * `roomIds` are the user's rooms at the snapshot the replay ran up to (sub.lastPos).
   * Returns the rooms the stream is now routed in, or null if it closed meanwhile.
   */
  goLive(sub: Subscriber, roomIds: number[]): ReadonlySet<number> | null {
    this.pending.delete(sub);
    const rooms = new Set(roomIds);
    let sent = 0;
    const live = sub.goLive((e) => {
      if (e.type === 'member_joined' && e.subject === sub.userId) rooms.add(e.roomId);
      const frame = rooms.has(e.roomId) ? this.frame(e) : null;
      if (frame) sent++;
      if (e.type === 'member_left' && e.subject === sub.userId) rooms.delete(e.roomId);
      return frame;
    });
    if (sent > 0) this.metrics.delivered(sent);
    if (!live) return null;
    for (const roomId of rooms) this.attach(sub, roomId);
    return this.roomsOf.get(sub) ?? new Set();
  }

  /** Deliver stored events, in log order, to every stream that may see them. */
  deliver(events: LogEvent[]): void {
    for (const e of events) this.deliverOne(e);
  }

  private deliverOne(e: LogEvent): void {
    this.tail.push(e);
    for (const sub of this.pending) sub.hold(e);
    const membership = e.type === 'member_joined' || e.type === 'member_left';
    const subjectSubs = membership && e.subject !== null ? this.byUser.get(e.subject) : undefined;
    if (e.type === 'member_joined' && subjectSubs) {
      for (const s of subjectSubs) if (s.live && e.pos > s.lastPos) this.attach(s, e.roomId);
    }
    const leaving = e.type === 'member_left' && subjectSubs ? [...subjectSubs].filter((s) => s.live && e.pos > s.lastPos) : [];
    if (e.roomId === NO_ROOM) return this.deliverToAll(e);
    const subs = this.byRoom.get(e.roomId);
    if (subs && subs.size > 0) {
      const frame = this.frame(e);
      for (const s of subs) s.sendStored(e.pos, frame);
      this.metrics.delivered(subs.size);
    }
    for (const s of leaving) this.detach(s, e.roomId);
  }

  /** An event of no room (v1.1 `user_updated`) to every live stream. */
  private deliverToAll(e: LogEvent): void {
    const frame = this.frame(e);
    let n = 0;
    for (const set of this.byUser.values()) for (const s of set) if (s.live) (s.sendStored(e.pos, frame), n++);
    this.metrics.delivered(n);
  }

  /** A transient event (typing) to a room's live streams, except those of `exceptUser`. */
  signalRoom(roomId: number, type: 'typing', data: { room: string; user: UserRef }, exceptUser: string): void {
    const subs = this.byRoom.get(roomId);
    if (!subs) return;
    const frame = Buffer.from(encodeEvent(type, encodeData(data)));
    let n = 0;
    for (const s of subs) if (s.userId !== exceptUser) (s.send(frame), n++);
    this.metrics.delivered(n);
  }

  /** A transient event to one user's live streams (their own read marker or notification level). */
  signalUser(userId: string, type: 'read' | 'notification_level', data: unknown): void {
    const subs = this.byUser.get(userId);
    if (!subs) return;
    const frame = Buffer.from(encodeEvent(type, encodeData(data)));
    let n = 0;
    for (const s of subs) if (s.live) (s.send(frame), n++);
    this.metrics.delivered(n);
  }

  /** A transient event to every live stream sharing a room with `userId` (presence), each stream once. */
  signalPeers(userId: string, roomIds: Iterable<number>, type: 'presence', data: unknown): void {
    const targets = new Set<Subscriber>();
    for (const roomId of roomIds) for (const s of this.byRoom.get(roomId) ?? []) if (s.userId !== userId) targets.add(s);
    if (targets.size === 0) return;
    const frame = Buffer.from(encodeEvent(type, encodeData(data)));
    for (const s of targets) s.send(frame);
    this.metrics.delivered(targets.size);
  }

  /** Forget a closed stream; returns the rooms it was routed in. */
  remove(sub: Subscriber): number[] {
    this.pending.delete(sub);
    const rooms = [...(this.roomsOf.get(sub) ?? [])];
    for (const roomId of rooms) this.detach(sub, roomId);
    this.roomsOf.delete(sub);
    const set = this.byUser.get(sub.userId);
    if (set) {
      set.delete(sub);
      if (set.size === 0) this.byUser.delete(sub.userId);
    }
    return rooms;
  }

  /** Open streams of a user on this node (pending or live). */
  streamsOf(userId: string): ReadonlySet<Subscriber> {
    return this.byUser.get(userId) ?? new Set();
  }

  /** The rooms a live stream is routed in (empty while pending). */
  roomsOfStream(sub: Subscriber): ReadonlySet<number> {
    return this.roomsOf.get(sub) ?? new Set();
  }

  /** Every open stream (heartbeat, shutdown). */
  *all(): Iterable<Subscriber> {
    for (const set of this.byUser.values()) yield* set;
  }

  /** Number of users with at least one stream here. */
  userCount(): number {
    return this.byUser.size;
  }

  private attach(sub: Subscriber, roomId: number): void {
    let set = this.byRoom.get(roomId);
    if (!set) this.byRoom.set(roomId, (set = new Set()));
    set.add(sub);
    let rooms = this.roomsOf.get(sub);
    if (!rooms) this.roomsOf.set(sub, (rooms = new Set()));
    rooms.add(roomId);
  }

  private detach(sub: Subscriber, roomId: number): void {
    const set = this.byRoom.get(roomId);
    if (set) {
      set.delete(sub);
      if (set.size === 0) this.byRoom.delete(roomId);
    }
    this.roomsOf.get(sub)?.delete(roomId);
  }
}
