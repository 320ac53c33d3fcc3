/**
 * One open event stream as the hub sees it: who it belongs to, the last log
 * position it has been sent, and a byte sink with a bounded budget.
 *
 * Writes within one tick are coalesced: frames are collected and handed to the
 * sink once per tick (one syscall for many events under load, STYLE habit 9).
 * The budget counts both the collected frames and the sink's own unsent bytes;
 * past it the stream is closed as `slow` and the client resumes by cursor, so
 * memory never grows with what a slow client has not read (STYLE habit 8).
 */

/** The transport under a subscriber (http/sse.ts implements it over a raw socket). */
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

const flushQueue: Subscriber[] = [];
let flushScheduled = false;

function flushAll(): void {
  flushScheduled = false;
  // Swap out first: a flush may close a subscriber, which must not disturb this walk.
  const subs = flushQueue.splice(0, flushQueue.length);
  for (const sub of subs) sub.flush();
}

export class Subscriber {
  /** Highest log position written to this stream; stored events at or below it are skipped (dedupe). */
  lastPos = 0;
  /** live: routed by room in the hub; pending: collecting events while it replays. */
  state: 'pending' | 'live' | 'closed' = 'pending';
  /** Events seen while pending, in log order (bounded by the hub). */
  queue: import('./types.ts').LogEvent[] = [];
  /** Rooms the hub routes to this subscriber while live. */
  readonly rooms = new Set<number>();
  /** Set once the stream went live (presence counts live streams only). */
  wentLive = false;
  /** Time of the last write, for the heartbeat. */
  lastWrite = Date.now();
  private chunks: Buffer[] = [];
  private chunkBytes = 0;

  constructor(
    readonly userId: string,
    readonly username: string,
    readonly sessionId: string,
    readonly ip: string,
    private readonly sink: Sink,
    private readonly budget: number,
    private readonly onClose: OnClose,
  ) {}

  /** Whether the stream has been closed (a getter, so checks after calls that may close it are not narrowed away). */
  get closed(): boolean {
    return this.state === 'closed';
  }

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
    if (pos <= this.lastPos) return;
    this.lastPos = pos;
    this.send(frame);
  }

  /** Hand this tick's frames to the sink. */
  flush(): void {
    if (this.state === 'closed' || this.chunks.length === 0) return;
    const data = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.chunkBytes);
    this.chunks = [];
    this.chunkBytes = 0;
    this.lastWrite = Date.now();
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

  /** Close once; flushes what is queued first unless the reason is `slow`. */
  close(reason: CloseReason): void {
    if (this.state === 'closed') return;
    if (reason !== 'slow') this.flush();
    this.state = 'closed';
    this.chunks = [];
    this.chunkBytes = 0;
    this.queue = [];
    this.sink.end(reason === 'slow');
    this.onClose(this, reason);
  }
}
