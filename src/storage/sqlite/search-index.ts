/**
 * The FTS5 search index (`message_grams`) and how it keeps up with the messages, off the request.
 *
 * New messages are indexed in batches: when a batch commits with BATCH_MIN or more messages unindexed (or
 * any, INDEX_AFTER_MS after the last time), the messages after `through` are read back (their current
 * folded text, deleted ones skipped), given to FTS5 together, and `through` moves past them, in that
 * batch's transaction (`search_state`, so it survives restarts). A post pays for its row only; FTS5 pays
 * once per few hundred messages, and writes one segment for them. Searches read the index up to `through`
 * and scan the few messages after it (lookups.ts), so a message is found the moment it is committed.
 *
 * Messages already indexed (id ≤ through) that are edited or deleted are re-indexed at the COMMIT of the
 * change's batch (`replace`, `delete`); messages after `through` need nothing: their batch reads their
 * current text. FTS5 writes a new segment at every SAVEPOINT, and each use case runs in one
 * (group-commit.ts), so these writes wait for COMMIT (`flush`), in order; a use case that fails drops
 * what it queued (`mark`/`rollback`), like its savepoint.
 */
import type Database from 'better-sqlite3';
import { trigramTokens } from '../../core/fold.ts';

/** Index new messages once this many wait… */
export const BATCH_MIN = 256;
/** …or this long after the last batch; at most BATCH_MAX at a time (later ones go in the next batch). */
const INDEX_AFTER_MS = 200;
const BATCH_MAX = 2_000;

export interface SearchIndexStatements {
  insert: Database.Statement;
  remove: Database.Statement;
  /** (through, limit) → the messages to index next. */
  unindexed: Database.Statement<unknown[], { id: number; search_text: string }>;
  getThrough: Database.Statement<unknown[], { through: number }>;
  setThrough: Database.Statement;
}

export class SearchIndex {
  /** Every message with a smaller or equal id is in the index (or deleted): committed state. */
  through: number;
  /** The newest message id written, committed or in the open batch. */
  private newest: number;
  private lastBatchAt = Date.now();
  /** [id, folded text to index] or [id, null] to remove, for messages already indexed, in order. */
  private ops: [number, string | null][] = [];
  /** `through` once the open batch commits. */
  private next: number | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** Starts a write batch (set by the store), so that a quiet server indexes its last messages too. */
  kick: () => void = () => {};

  constructor(private readonly s: SearchIndexStatements, newest: number) {
    this.through = s.getThrough.get()?.through ?? 0;
    this.newest = newest;
  }

  /** A new message row was written. */
  added(id: number): void {
    if (id > this.newest) this.newest = id;
  }

  /** Message `id`'s text is now `folded`. */
  replace(id: number, folded: string): void {
    if (id <= this.through) this.ops.push([id, null], [id, folded]);
  }

  /** Message `id` was deleted. */
  delete(id: number): void {
    if (id <= this.through) this.ops.push([id, null]);
  }

  mark(): number {
    return this.ops.length;
  }

  /** Forget what was queued since `mark`. */
  rollback(mark: number): void {
    this.ops.length = mark;
  }

  /** At COMMIT, inside the batch's transaction: apply the queue, then index new messages if it is time. */
  flush(): void {
    const ops = this.ops;
    this.ops = [];
    for (const [id, folded] of ops) {
      if (folded === null) this.s.remove.run(id);
      else this.s.insert.run(id, trigramTokens(folded));
    }
    this.next = null;
    const waiting = this.newest - this.through;
    if (waiting <= 0) return;
    if (waiting < BATCH_MIN && Date.now() - this.lastBatchAt < INDEX_AFTER_MS) {
      this.timer ??= setTimeout(() => {
        this.timer = null;
        this.kick();
      }, INDEX_AFTER_MS).unref();
      return;
    }
    const rows = this.s.unindexed.all(this.through, BATCH_MAX);
    for (const r of rows) this.s.insert.run(r.id, trigramTokens(r.search_text));
    const next = rows.length === BATCH_MAX ? rows[rows.length - 1]!.id : this.newest;
    this.s.setThrough.run(next);
    this.next = next;
  }

  /** The batch committed: what `flush` indexed is in. */
  committed(): void {
    if (this.next === null) return;
    this.through = this.next;
    this.next = null;
    this.lastBatchAt = Date.now();
    if (this.newest > this.through) this.timer ??= setTimeout(() => {
      this.timer = null;
      this.kick();
    }, 0).unref();
  }

  /** The batch was rolled back. */
  abandoned(): void {
    this.next = null;
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
