/**
 * Turns for replays (core/stream.ts). Two limits, one FIFO queue:
 * - at most `max` streams replay at once (0 = no cap; NATTER_REPLAYS_MAX);
 * - a storm of replays is spread over event-loop iterations: turns are handed out only while the current
 *   slice (one loop iteration) has spent less than `sliceMs` since it began; later streams wait for a later
 *   iteration. So timers, other users' requests and live delivery get the loop between slices, and no
 *   iteration spends much more than `sliceMs` on replays (issue 17: no stall over 50 ms during a storm).
 *
 * The slice is shared by every Turns (opening requests and replays take turns from separate queues, but
 * spend the same time). A turn is handed on when the previous one is given back (one at a time: a released stream's work runs
 * after the hand-over, so handing out several at once could not see the time they take), and at the start
 * of every iteration while streams wait, so a turn held across I/O (PostgreSQL, a slow client) does not
 * hold up the others.
 */

/** Time one loop iteration may spend starting replays, in ms. */
export const SLICE_MS = 10;

/** When the current slice began (performance.now()); -1 until a turn is taken after the last reset. */
let sliceStart = -1;
let resetArmed = false;

/** Whether the current slice has time left; starts one (reset in the next check phase) if none runs. */
function inSlice(ms: number): boolean {
  if (sliceStart >= 0) return performance.now() - sliceStart < ms;
  sliceStart = performance.now();
  if (!resetArmed) {
    resetArmed = true;
    // Scheduled before any Turns' own setImmediate of this slice, so it runs first: they start a new slice.
    setImmediate(() => {
      resetArmed = false;
      sliceStart = -1;
    });
  }
  return true;
}

export class Turns {
  private running = 0;
  private readonly queue: (() => void)[] = [];
  private armed = false;

  constructor(private readonly max = 0, private readonly sliceMs = SLICE_MS) {}

  /** Wait for a turn: at once when nobody waits and there is room and time, else in FIFO order. */
  async take(): Promise<void> {
    if (this.queue.length === 0 && this.free()) {
      this.running++;
      return;
    }
    const turn = new Promise<void>((resolve) => this.queue.push(resolve));
    this.arm();
    await turn;
  }

  /** End a turn, handing it to the next waiting stream if the slice has time left. */
  give(): void {
    this.running--;
    this.next();
  }

  private free(): boolean {
    return (this.max === 0 || this.running < this.max) && inSlice(this.sliceMs);
  }

  /** Hand one turn on if there is room and time; out of time, in the next iteration; out of room, at the next give(). */
  private next(): void {
    if (this.queue.length === 0 || (this.max > 0 && this.running >= this.max)) return;
    if (inSlice(this.sliceMs)) {
      this.running++;
      this.queue.shift()!();
    }
    if (this.queue.length > 0) this.arm();
  }

  /** A new slice begins in the next loop iteration (setImmediate runs after this iteration's I/O). */
  private arm(): void {
    if (this.armed) return;
    this.armed = true;
    setImmediate(() => {
      this.armed = false;
      this.next();
    });
  }
}
