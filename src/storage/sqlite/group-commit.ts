/**
 * Group commit for SQLite. Every write use case runs as a SAVEPOINT inside one
 * transaction per event-loop tick; the transaction commits (one fsync with
 * synchronous=FULL) in a setImmediate after the tick's I/O, and only then do the
 * callers' promises resolve. So every 201 is on disk, even across power loss,
 * while a burst of posts shares one fsync instead of paying one each.
 *
 * A use case that throws rolls back to its savepoint only (and drops the writes
 * it deferred); the others in the batch still commit. Deferred writes (the FTS5
 * search index, search-index.ts) are applied in order just before COMMIT. If COMMIT itself fails (disk full, I/O error) the batch is
 * rolled back and every caller in it gets the error: nothing was published yet,
 * because callers publish events only after their promise resolves.
 */
import type Database from 'better-sqlite3';

/** Writes held until COMMIT, dropped from `mark` on when the use case that queued them throws. */
export interface Deferred {
  mark(): number;
  rollback(mark: number): void;
  flush(): void;
}

interface Waiter {
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class GroupCommit {
  private waiting: Waiter[] = [];
  private scheduled = false;

  /** `onCommit` runs after each successful COMMIT, before callers resume. */
  constructor(private readonly db: Database.Database, private readonly onCommit: () => void, private readonly deferred?: Deferred) {}

  /** Run `fn` in this tick's transaction; resolves with its result once committed. */
  run<T>(fn: () => T): Promise<T> {
    if (!this.db.inTransaction) this.db.exec('BEGIN IMMEDIATE');
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.commit());
    }
    let result: T;
    const mark = this.deferred?.mark() ?? 0;
    try {
      result = this.db.transaction(fn)();
    } catch (err) {
      this.deferred?.rollback(mark);
      return Promise.reject(err);
    }
    return new Promise<T>((resolve, reject) => this.waiting.push({ resolve: () => resolve(result), reject }));
  }

  /** Commit the open batch now (also used by close()). */
  commit(): void {
    this.scheduled = false;
    const waiting = this.waiting;
    this.waiting = [];
    if (this.db.inTransaction) {
      try {
        this.deferred?.flush();
        this.db.exec('COMMIT');
      } catch (err) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        for (const w of waiting) w.reject(err);
        return;
      }
      this.onCommit();
    }
    for (const w of waiting) w.resolve();
  }
}
