/**
 * One open event stream as the hub sees it, and the one owner of its life cycle:
 *
 *     pending ──goLive()──▶ live ──close()──▶ closed
 *        └──────────────close()──────────────────┘
 *
 * While pending (the stream replays from the store) it holds every event the hub
 * delivers; `goLive` hands the held events above what replay sent to a router
 * and turns live in the same synchronous step. Closed is final: no transition
 * leaves it, and a stream closed while going live never comes back.
 *
 * Writes within one tick are coalesced: frames are collected and handed to the
 * sink once per tick (one syscall for many events under load, STYLE habit 9).
 * The budget counts both the collected frames and the sink's own unsent bytes;
 * past it the stream is closed as `slow` and the client resumes by cursor, so
 * memory never grows with what a slow client has not read (STYLE habit 8).
 */
import type { LogEvent } from './types.ts';

/** The transport under a subscriber (http/socket-sink.ts implements it over a raw socket). */
export interface Sink {
  /** Queue bytes for sending. */
  write(chunk: Buffer): void;
  /** Bytes queued in the transport but not yet sent. */
  backlog(): number;
  /** Resolves when the backlog is empty or the sink closed. */
  drained(): Promise<void>;
  /** End the response; idempotent. `abort` drops unsent bytes (a slow client) instead of flushing them. */
  end(abort: boolean): void;
  /** Register the callback for the client going away. */
  onClose(cb: () => void): void;
}

export type CloseReason = 'client' | 'slow' | 'logout' | 'shutdown' | 'cap' | 'error';

/** Called once when a subscriber closes, with the reason. */
export type OnClose = (sub: Subscriber, reason: CloseReason) => void;

/** Who a stream belongs to. */
export interface SubscriberOwner {
  userId: string;
  username: string;
  sessionId: string;
  ip: string;
  /** v1.1 §4: the stream's id; none in tests that do not need one. */
  streamId?: string;
  /** v1.1 §4: the page is visible at open (default true; `?visible=0` opens hidden). */
  visible?: boolean;
}

/** Ended visible stretches a stream keeps until they are taken. */
const ENDED_SPANS_MAX = 16;

/** While a stream replays, the events it must not miss wait here; past this many it is closed as slow. */
export const PENDING_QUEUE_MAX = 20_000;

/** Decides, for one held event, the frame to send (the stream may see it) or null (skip it). */
export type Route = (e: LogEvent) => Buffer | null;

const flushQueue: Subscriber[] = [];
let flushScheduled = false;

function flushAll(): void {
  flushScheduled = false;
  // Swap out first: a flush may close a subscriber, which must not disturb this walk.
  const subs = flushQueue.splice(0, flushQueue.length);
  for (const sub of subs) sub.flush();
}

export class Subscriber {
  readonly userId: string;
  readonly username: string;
  readonly sessionId: string;
  readonly ip: string;
  /** v1.1 §4: this stream's id (in `ready`, new on every connection), for visibility posts. */
  readonly streamId: string;
  /**
   * v1.1 §4: the first log position of the current visible stretch (null while the page is hidden). The page
   * reports its visibility; a stream starts visible unless opened with ?visible=0.
   */
  private visibleFrom: number | null;
  /** Visible stretches [from, to] that ended and were not taken yet (core/visible-spans.ts takes them). */
  private endedSpans: [number, number][] | null = null;
  private state: 'pending' | 'live' | 'closed' = 'pending';
  /** Highest log position written to this stream; stored events at or below it are skipped (dedupe). */
  private pos = 0;
  /** Events seen while pending, in log order. */
  private held: LogEvent[] = [];
  private everLive = false;
  private lastWriteAt = Date.now();
  private chunks: Buffer[] = [];
  private chunkBytes = 0;

  constructor(owner: SubscriberOwner, private readonly sink: Sink, private readonly budget: number, private readonly onClose: OnClose) {
    this.userId = owner.userId;
    this.username = owner.username;
    this.sessionId = owner.sessionId;
    this.ip = owner.ip;
    this.streamId = owner.streamId ?? '';
    this.visibleFrom = owner.visible === false ? null : 1;
  }

  /** Whether the page showing this stream is visible. */
  get visible(): boolean {
    return this.visibleFrom !== null;
  }

  /** The page became visible or hidden: a visible stretch starts after what was written, or ends at it. */
  setVisible(visible: boolean): void {
    if (visible === this.visible) return;
    if (visible) {
      this.visibleFrom = this.pos + 1;
      return;
    }
    if (this.pos >= this.visibleFrom!) {
      const ended = (this.endedSpans ??= []);
      // A page flipping without anyone taking its stretches keeps the newest few (older ones only make a push likelier).
      if (ended.length >= ENDED_SPANS_MAX) ended.shift();
      ended.push([this.visibleFrom!, this.pos]);
    }
    this.visibleFrom = null;
  }

  /** The log positions written while visible: stretches that ended since the last call, and the current one so far. */
  takeSpans(): [number, number][] {
    const out = this.endedSpans ?? [];
    this.endedSpans = null;
    if (this.visibleFrom !== null && this.pos >= this.visibleFrom) out.push([this.visibleFrom, this.pos]);
    return out;
  }

  /** Still replaying: events are held, not routed. */
  get pending(): boolean {
    return this.state === 'pending';
  }

  /** Routed by room in the hub. */
  get live(): boolean {
    return this.state === 'live';
  }

  /** Closed for good (a getter, so checks after calls that may close it are not narrowed away). */
  get closed(): boolean {
    return this.state === 'closed';
  }

  /** Whether the stream reached live before it closed (presence counts those only). */
  get wentLive(): boolean {
    return this.everLive;
  }

  /** Highest log position this stream has been sent (or has skipped as not its own). */
  get lastPos(): number {
    return this.pos;
  }

  /** Time of the last write, for the heartbeat. */
  get lastWrite(): number {
    return this.lastWriteAt;
  }

  // ---- transitions

  /** Replay starts after `pos` (the client's cursor, or the head for a fresh stream). */
  replayFrom(pos: number): void {
    if (this.state !== 'pending') return;
    this.pos = pos;
    if (this.visibleFrom !== null) this.visibleFrom = pos + 1;
  }

  /** Replay has covered the log up to `pos`: events up to there are not sent again. */
  replayed(pos: number): void {
    if (pos > this.pos) this.pos = pos;
  }

  /** While pending: keep an event for goLive. Past PENDING_QUEUE_MAX held events the stream closes as slow. */
  hold(e: LogEvent): void {
    if (this.state !== 'pending') return;
    if (this.held.length >= PENDING_QUEUE_MAX) this.close('slow');
    else this.held.push(e);
  }

  /**
   * pending → live. Each held event above what replay sent goes through `route`:
   * its frame is sent, or (null) the position is skipped. Returns false, and
   * stays closed, when sending closes the stream as slow.
   */
  goLive(route: Route): boolean {
    if (this.state !== 'pending') return false;
    const held = this.held;
    this.held = [];
    for (const e of held) {
      if (e.pos <= this.pos) continue;
      const frame = route(e);
      if (frame) this.sendStored(e.pos, frame);
      else this.pos = e.pos;
      if (this.closed) return false;
    }
    this.state = 'live';
    this.everLive = true;
    return true;
  }

  /** Close once; flushes what is queued first unless the reason is `slow`. */
  close(reason: CloseReason): void {
    if (this.state === 'closed') return;
    if (reason !== 'slow') this.flush();
    this.state = 'closed';
    this.chunks = [];
    this.chunkBytes = 0;
    this.held = [];
    this.sink.end(reason === 'slow');
    this.onClose(this, reason);
  }

  // ---- writing

  /** Queue a frame for this tick's flush. Returns false (and closes) when over budget. */
  send(frame: Buffer): boolean {
    if (this.state === 'closed') return false;
    if (this.chunks.length === 0) {
      flushQueue.push(this);
      if (!flushScheduled) {
        flushScheduled = true;
        setImmediate(flushAll);
      }
    }
    const before = this.chunkBytes + this.sink.backlog();
    this.chunks.push(frame);
    this.chunkBytes += frame.length;
    // A lone frame always goes (a client with nothing unread is not slow, whatever the frame's size).
    if (before > 0 && before + frame.length > this.budget) {
      this.close('slow');
      return false;
    }
    return true;
  }

  /** Queue a stored event's frame unless this stream already has it. */
  sendStored(pos: number, frame: Buffer): void {
    if (pos <= this.pos) return;
    this.pos = pos;
    this.send(frame);
  }

  /** Queue the frames of consecutive stored events, the last at `lastPos` (replay sends them joined); all after what this stream has. */
  sendRun(lastPos: number, frames: Buffer): void {
    if (lastPos <= this.pos) return;
    this.pos = lastPos;
    this.send(frames);
  }

  /** Hand this tick's frames to the sink. */
  flush(): void {
    if (this.state === 'closed' || this.chunks.length === 0) return;
    const data = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.chunkBytes);
    this.chunks = [];
    this.chunkBytes = 0;
    this.lastWriteAt = Date.now();
    this.sink.write(data);
  }

  /** Write now, bypassing the tick batch (used for the stream's first bytes and replay pages). */
  writeNow(frame: Buffer): void {
    this.send(frame);
    this.flush();
  }

  /** Wait until the sink has sent what it holds, unless the stream closes first. */
  async drained(): Promise<void> {
    this.flush();
    if (this.sink.backlog() > 0) await this.sink.drained();
  }

  /** Bytes queued here or in the sink. */
  pendingBytes(): number {
    return this.chunkBytes + this.sink.backlog();
  }
}
