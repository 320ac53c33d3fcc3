/**
 * Group commit of posts for the PostgreSQL store (the house pattern of sqlite/group-commit.ts, adapted).
 *
 * Posts queue on the node; a batch takes what is queued (at most `max`) and writes it in ONE transaction:
 * each post in its own SAVEPOINT, so one that fails (unknown room, bad reply_to or attachment, a client_id
 * that another transaction inserted first…) rolls back alone and its caller gets its own error; then one
 * statement takes log_head ONCE for the batch's N positions, in batch order, and writes the N events
 * (writes.ts appendPosts); then COMMIT. Callers resume only after COMMIT, each with its own message, seq and
 * position, or its own error. If the transaction as a whole fails (a connection drop, COMMIT failing), every
 * caller of the batch gets that error and nothing of the batch is committed: PostgreSQL commits a transaction
 * whole or not at all (a drop during COMMIT leaves the outcome unknown, as for a single post: the client's
 * retry with its client_id settles it). A deadlock or serialization victim is rolled back whole and run again
 * (db.ts transaction()).
 *
 * Why positions stay gapless and in commit order: exactly as before (postgres-store.ts "Positions"), the
 * batch holds log_head's row lock from its UPDATE to its COMMIT, so the next appender reads the batch's last
 * position only once all N are committed and visible. What changes is the price: one lock hold (one UPDATE,
 * one COMMIT with its WAL flush) per batch instead of per post, and the posts' other statements run before
 * the lock is taken, while the previous batch (of this or another node) holds it.
 *
 * Lock order: a batch writes its posts sorted by room id, descending (stable: one room's posts keep their
 * arrival order), every post takes its room's row (seq) before its other row locks, and log_head comes last.
 * So two batches, or a batch and a one-event transaction, never wait for each other in a cycle. Descending,
 * because a batch holds each room's row from its first post there to COMMIT: the oldest rooms (`general`,
 * which everyone is in, is id 1) are the busiest, and go last, just before log_head.
 *
 * Up to `concurrency` batches are in flight per node, each on its own connection: the posts of one batch run
 * one after the other (a connection runs one statement at a time), so the node's parallelism comes from
 * several batches, and while one waits for a room's row, the lock or its COMMIT, the others go on. `max`
 * (16) keeps batches short for that reason, and bounds the savepoints of one transaction (each is a
 * subtransaction; PostgreSQL caches 64 per backend before other sessions' snapshots slow down).
 */
import type { Message } from '../../core/types.ts';
import type { Changed, NewPost } from '../store.ts';
import { isConnectionError, type Tx } from './db.ts';
import { appendPosts, preparePost, type PendingPost } from './writes.ts';

export type Posted = Changed<{ message: Message; created: boolean }>;

interface Item {
  input: NewPost;
  resolve: (v: Posted) => void;
  reject: (err: unknown) => void;
}

/** What one post of a batch came to, inside the transaction. */
type Outcome = { replay: Message } | { pending: PendingPost; event?: Posted['events'][number] } | { err: unknown };

/** A failure that spoils the whole transaction (or that transaction() retries whole): not one post's own. */
const spoilsBatch = (err: unknown) => isConnectionError(err) || ['40P01', '40001'].includes((err as { code?: string }).code ?? '');

export class PostBatcher {
  private queue: Item[] = [];
  private inFlight = 0;
  private scheduled = false;

  constructor(
    /** Runs `fn` in one transaction (db.ts transaction()): BEGIN, fn, COMMIT; rejects if any of it fails. */
    private readonly transaction: <T>(fn: (tx: Tx) => Promise<T>) => Promise<T>,
    /** Batches in flight at once, each on its own connection (the store passes its pool size less two, for reads). */
    private readonly concurrency: number,
    private readonly max = 16,
  ) {}

  /** Post in the next batch; resolves once that batch committed. */
  post(input: NewPost): Promise<Posted> {
    return new Promise((resolve, reject) => {
      this.queue.push({ input, resolve, reject });
      this.schedule();
    });
  }

  /** Start a batch after this tick's I/O (so the posts that arrived in it go together), if one may start. */
  private schedule(): void {
    if (this.scheduled || this.queue.length === 0 || this.inFlight >= this.concurrency) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      const items = this.queue.splice(0, this.max);
      if (items.length === 0) return;
      this.inFlight++;
      void this.flush(items).finally(() => {
        this.inFlight--;
        this.schedule();
      });
      this.schedule();
    });
  }

  private async flush(items: Item[]): Promise<void> {
    const ordered = items.map((item, i) => ({ item, i })).sort((a, b) => b.item.input.roomId - a.item.input.roomId || a.i - b.i).map((x) => x.item);
    let outcomes: Outcome[];
    try {
      outcomes = await this.transaction(async (tx) => {
        const out: Outcome[] = [];
        for (const { input } of ordered) out.push(await this.one(tx, input));
        const pending = out.filter((o): o is { pending: PendingPost } => 'pending' in o);
        const events = await appendPosts(tx, pending.map((o) => o.pending));
        pending.forEach((o, i) => Object.assign(o, { event: events[i] }));
        return out;
      });
    } catch (err) {
      for (const item of ordered) item.reject(err);
      return;
    }
    ordered.forEach((item, i) => {
      const o = outcomes[i]!;
      if ('err' in o) item.reject(o.err);
      else if ('replay' in o) item.resolve({ value: { message: o.replay, created: false }, events: [] });
      else item.resolve({ value: { message: o.pending.message, created: true }, events: [o.event!] });
    });
  }

  /**
   * One post in its own savepoint. The savepoints are not released (that would be one more round trip per
   * post): each nests in the previous, ROLLBACK TO goes back to the newest, and COMMIT keeps them all.
   */
  private async one(tx: Tx, input: NewPost): Promise<Outcome> {
    await tx.query('SAVEPOINT post');
    try {
      return await preparePost(tx, input);
    } catch (err) {
      if (spoilsBatch(err)) throw err;
      await tx.query('ROLLBACK TO SAVEPOINT post');
      return { err };
    }
  }
}
