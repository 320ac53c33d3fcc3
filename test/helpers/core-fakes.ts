/**
 * Fakes for testing the event core (src/core/{subscriber,hub,stream,presence,relay}.ts)
 * in process: a recording Sink, an in-memory event log that stands in for the
 * Store, and small builders. What a sink received is read back through the
 * independent WHATWG parser (sse-parse.ts), never by matching the server's own frames.
 */
import type { Session } from '../../src/core/auth.ts';
import { Hub } from '../../src/core/hub.ts';
import { Presence } from '../../src/core/presence.ts';
import { Streams, type StreamOptions } from '../../src/core/stream.ts';
import { Subscriber, type CloseReason, type Sink } from '../../src/core/subscriber.ts';
import type { LogEvent, Room, StoredEventType } from '../../src/core/types.ts';
import type { Store } from '../../src/storage/store.ts';
import { SseParser, type SseEvent } from './sse-parse.ts';

/** One tick of the event loop: Subscriber flushes on setImmediate, so after this its frames are written. */
export const nextTick = (): Promise<void> => new Promise((r) => setImmediate(r));

/** A Sink that records what it is given and lets a test play the client. */
export class RecordingSink implements Sink {
  readonly writes: Buffer[] = [];
  /** Every end(abort) call. */
  readonly ends: boolean[] = [];
  /** Bytes "in the socket", unread by the client; set it to simulate a client that stopped reading. */
  backlogBytes = 0;
  /** When true, each write adds its size to the backlog (a socket that does not send by itself). */
  accumulate = false;
  /** When true, a client that reads: drained() empties the backlog at once. */
  reading = true;
  private closeCb: (() => void) | null = null;
  private waiters: (() => void)[] = [];

  write(chunk: Buffer): void {
    this.writes.push(chunk);
    if (this.accumulate) this.backlogBytes += chunk.length;
  }
  backlog(): number {
    return this.backlogBytes;
  }
  drained(): Promise<void> {
    if (this.reading) this.backlogBytes = 0;
    if (this.backlogBytes === 0 || this.ends.length > 0) return Promise.resolve();
    return new Promise((r) => this.waiters.push(r));
  }
  end(abort: boolean): void {
    this.ends.push(abort);
    this.release();
  }
  onClose(cb: () => void): void {
    this.closeCb = cb;
  }

  /** The client read everything it was sent. */
  drain(): void {
    this.backlogBytes = 0;
    this.release();
  }
  /** The client went away (the socket closed). */
  clientGone(): void {
    this.closeCb?.();
    this.release();
  }
  /** What a browser would have parsed from every byte written so far. */
  parse(): SseParser {
    const p = new SseParser();
    for (const w of this.writes) p.push(w);
    return p;
  }
  /** Parsed events, optionally of one type. */
  events(type?: string): SseEvent[] {
    const all = this.parse().events;
    return type === undefined ? all : all.filter((e) => e.event === type);
  }
  /** Log positions of the stored events received (their `id:` is `<pos>-<logId>`). */
  positions(): number[] {
    return this.parse().events.filter((e) => e.hasId).map((e) => Number(e.id.split('-')[0]));
  }
  private release(): void {
    for (const w of this.waiters.splice(0)) w();
  }
}

/** Metrics of every core class, recording only what tests look at. */
export class RecordingMetrics {
  readonly closedReasons: CloseReason[] = [];
  deliveredCounts: number[] = [];
  replayedTotal = 0;
  delivered(n: number): void {
    this.deliveredCounts.push(n);
  }
  opened(): void {}
  closed(reason: CloseReason): void {
    this.closedReasons.push(reason);
  }
  replayed(n: number): void {
    this.replayedTotal += n;
  }
  posted(): void {}
}

export const LOG_ID = 'testlog';

/** Build a stored event; `data` is what the client parses. */
export function ev(pos: number, roomId: number, type: StoredEventType = 'message', subject: string | null = null): LogEvent {
  const data = subject === null ? { message: { room: `r${roomId}`, n: pos } } : { room: `r${roomId}`, user: { id: subject, username: subject } };
  return { pos, roomId, type, subject, data: JSON.stringify(data) };
}

/** A room object for `ready`. */
function room(id: number): Room {
  return { name: `r${id}`, topic: '', visibility: 'public', kind: 'room', created_at: '', member: true, unread: 0, last_seq: 0, mentions: 0, notifications: 'mentions' };
}

/** A gate a test opens by hand: `entered` resolves when code reaches it, `release()` lets it pass. */
export class Gate {
  entered: Promise<void>;
  private onEnter!: () => void;
  private opened!: () => void;
  private readonly passage: Promise<void>;
  constructor() {
    this.entered = new Promise((r) => (this.onEnter = r));
    this.passage = new Promise((r) => (this.opened = r));
  }
  async pass(): Promise<void> {
    this.onEnter();
    await this.passage;
  }
  release(): void {
    this.opened();
  }
}

/**
 * The event log in memory, standing in for the Store. Membership is derived from
 * the log itself, as the real stores do: a `member_joined` about a user makes the
 * room visible to them from that event on, a `member_left` up to and including it.
 */
export class FakeLog {
  readonly logId = LOG_ID;
  readonly log: LogEvent[] = [];
  /** When set, the next readEvents waits at this gate (one use). */
  gate: Gate | null = null;
  readonly reads: { after: number; upTo: number; limit: number }[] = [];

  /** Append a message in a room; returns the event. */
  post(roomId: number): LogEvent {
    return this.append(roomId, 'message', null);
  }
  join(userId: string, roomId: number): LogEvent {
    return this.append(roomId, 'member_joined', userId);
  }
  leave(userId: string, roomId: number): LogEvent {
    return this.append(roomId, 'member_left', userId);
  }
  private append(roomId: number, type: StoredEventType, subject: string | null): LogEvent {
    const e = ev(this.log.length + 1, roomId, type, subject);
    this.log.push(e);
    return e;
  }

  /** The log as `userId` may read it: each event with whether they could see it then. */
  private visible(userId: string, upTo: number): LogEvent[] {
    const rooms = new Set<number>();
    const out: LogEvent[] = [];
    for (const e of this.log.slice(0, upTo)) {
      if (e.type === 'member_joined' && e.subject === userId) rooms.add(e.roomId);
      if (rooms.has(e.roomId)) out.push(e);
      if (e.type === 'member_left' && e.subject === userId) rooms.delete(e.roomId);
    }
    return out;
  }

  // ---- the Store members Streams and Feed use: logId, head, memberRooms, readEvents, readLog
  async head(): Promise<number> {
    return this.log.length;
  }
  async memberRooms(userId: string): Promise<{ rooms: Room[]; roomIds: number[]; head: number }> {
    const head = this.log.length;
    const ids = new Set<number>();
    for (const e of this.log) {
      if (e.subject !== userId) continue;
      if (e.type === 'member_joined') ids.add(e.roomId);
      if (e.type === 'member_left') ids.delete(e.roomId);
    }
    const roomIds = [...ids];
    return { rooms: roomIds.map(room), roomIds, head };
  }
  async readEvents(userId: string, after: number, upTo: number, limit: number): Promise<LogEvent[]> {
    this.reads.push({ after, upTo, limit });
    const gate = this.gate;
    this.gate = null;
    if (gate) await gate.pass();
    return this.visible(userId, upTo).filter((e) => e.pos > after).slice(0, limit);
  }
  async readLog(after: number, upTo: number, limit: number): Promise<LogEvent[]> {
    return this.log.filter((e) => e.pos > after && e.pos <= upTo).slice(0, limit);
  }
  /** Streams and Feed use only logId, head, memberRooms, readEvents and readLog, which this fake implements. */
  asStore(): Store {
    return this as unknown as Store;
  }
}

/** A session for `userId` (username = id). */
export function session(userId: string, sessionId = `s-${userId}`): Session {
  return { user: { id: userId, username: userId, guest: false, created_at: '', display_name: null, avatar_url: null, role: 'member', kind: 'user', active: true }, sessionId };
}

/** A subscriber over a recording sink; `closes` records every onClose call, and a given hub forgets it on close (as Streams does). */
export function subscriber(userId: string, opts: { budget?: number; sessionId?: string; hub?: Hub } = {}): TestStream {
  const sink = new RecordingSink();
  const closes: CloseReason[] = [];
  const owner = { userId, username: userId, sessionId: opts.sessionId ?? `s-${userId}`, ip: '127.0.0.1' };
  const sub = new Subscriber(owner, sink, opts.budget ?? 1 << 20, (s, r) => {
    closes.push(r);
    opts.hub?.remove(s);
  });
  return { sub, sink, closes };
}

export interface TestStream {
  sub: Subscriber;
  sink: RecordingSink;
  closes: CloseReason[];
}

/** A stream registered in `hub` and switched live at `lastPos` with `roomIds` (what a finished replay does). */
export function liveStream(hub: Hub, userId: string, roomIds: number[], lastPos = 0): TestStream {
  const s = subscriber(userId, { hub });
  hub.addPending(s.sub);
  s.sub.replayFrom(lastPos);
  hub.goLive(s.sub, roomIds);
  return s;
}

/** Streams over a FakeLog with a real Hub and Presence (one node, no grace); `close()` ends the streams and timers. */
export function streamWorld(opts: Partial<StreamOptions> = {}) {
  const log = new FakeLog();
  const metrics = new RecordingMetrics();
  const hub = new Hub(LOG_ID, metrics);
  const presence = new Presence({ hub, graceMs: 0, peers: null });
  const streams = new Streams(log.asStore(), hub, presence, { retryMs: 1000, heartbeatMs: 60_000, budget: 1 << 20, perUser: 0, perIp: 0, ...opts }, metrics);
  return { log, metrics, hub, presence, streams, close: (): void => (streams.shutdown(), presence.close()) };
}
