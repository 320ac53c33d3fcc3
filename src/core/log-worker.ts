/**
 * What the background workers that follow the event log share (Web Push: push-delivery.ts; email digests:
 * email-digest.ts): a loop of named steps that every node runs, rounds that never overlap, and the scan of
 * the messages whose delay has passed since a stored cursor.
 */
import type { EventLog } from '../storage/store.ts';
import type { Message } from './types.ts';

/** Rounds of named steps every `tickMs`, never overlapping; a failing step is reported and the next one runs. */
export class WorkerLoop {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped_ = false;

  constructor(
    private readonly steps: readonly (readonly [string, () => Promise<void>])[],
    private readonly tickMs: number,
    private readonly onError: (what: string, err: unknown) => void,
  ) {}

  get stopped(): boolean {
    return this.stopped_;
  }

  start(): void {
    if (this.stopped_ || this.timer) return;
    this.timer = setInterval(() => void this.round(), this.tickMs);
    this.timer.unref();
  }

  /** Stop the loop; resolves when the round in progress (if any) ended. */
  async stop(): Promise<void> {
    this.stopped_ = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /** One round now (or the one in progress). */
  round(): Promise<void> {
    if (this.running) return this.running;
    this.running = (async () => {
      for (const [what, step] of this.steps) {
        if (this.stopped_) break;
        try {
          await step();
        } catch (err) {
          this.onError(what, err);
        }
      }
    })().finally(() => {
      this.running = null;
    });
    return this.running;
  }
}

/** A `message` event whose delay has passed. */
export interface DueMessage {
  roomId: number;
  pos: number;
  message: Message;
  committedAt: number;
}

/** Log events read per scan. */
const PAGE = 500;

/**
 * The messages after the worker's cursor (made at the log head the first time) whose commit is at least
 * `delayMs` before `now`, in log order, stopping at the first that is not; `to` is how far the cursor may move
 * once they are handled (`from` when there is nothing to do).
 */
export async function dueMessages(
  log: Pick<EventLog, 'head' | 'readLog'>,
  cursor: (initial: number) => Promise<number>,
  delayMs: number,
  now: number,
): Promise<{ from: number; to: number; due: DueMessage[] }> {
  const head = await log.head();
  const from = await cursor(head);
  const due: DueMessage[] = [];
  let to = from;
  if (head <= from) return { from, to, due };
  for (const e of await log.readLog(from, head, PAGE)) {
    if (e.type === 'message') {
      const message = (JSON.parse(e.data) as { message: Message }).message;
      const committedAt = Date.parse(message.created_at);
      if (committedAt + delayMs > now) break;
      due.push({ roomId: e.roomId, pos: e.pos, message, committedAt });
    }
    to = e.pos;
  }
  return { from, to, due };
}
