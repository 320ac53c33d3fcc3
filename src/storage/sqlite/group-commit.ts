/**
 * Group commit for SQLite. Every write use case runs as a SAVEPOINT inside one
 * transaction per event-loop tick; the transaction commits in a setImmediate after
 * the tick's I/O, and only once it is on disk do the callers' promises resolve.
 * So every 201 is on disk, even across power loss, while a burst of posts shares
 * one fsync instead of paying one each.
 *
 * Where the fsync happens: with a `Durability` (a file-backed database), COMMIT
 * runs with synchronous=NORMAL (the WAL is written, not synced) and the WAL is
 * then fdatasync'ed on libuv's thread pool, off the event loop; the next tick's
 * batch may commit meanwhile, and the syncs of batches that wait are coalesced
 * into one. A batch's callers resume, and its log positions become visible to
 * readers (`onCommit`'s publish), only after a sync that began after its COMMIT.
 * If a sync fails, nothing more is acknowledged: the waiting callers and every
 * later write get the error until the process restarts (like PostgreSQL, which
 * stops on a failed fsync rather than trust the page cache). Without one (tests
 * on `:memory:`), callers resume right after COMMIT.
 *
 * A use case that throws rolls back to its savepoint only; the others in the
 * batch still commit. `Deferred` work (the search index's, search-index.ts: the
 * inline index of a `:memory:` store, pruning dirty rows) runs once per batch,
 * just before COMMIT. If
 * COMMIT itself fails (disk full, I/O error) the batch is rolled back and every
 * caller in it gets the error: nothing was published yet, because callers publish
 * events only after their promise resolves.
 */
import { closeSync, fdatasync, openSync } from 'node:fs';
import type Database from 'better-sqlite3';

/** Work done once per batch, inside its transaction. */
export interface Deferred {
  /** Runs inside the batch's transaction, just before COMMIT. */
  flush(): void;
  /** After COMMIT succeeded, or after the batch was rolled back. */
  committed?(): void;
  abandoned?(): void;
}

/** Makes committed transactions durable off the event loop (sqlite-store.ts: fdatasync of the WAL). */
export interface Durability {
  sync(done: (err: Error | null) => void): void;
}

interface Waiter {
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** A committed batch waiting for its sync: its callers, and what makes its positions visible. */
interface Committed {
  waiters: Waiter[];
  publish: () => void;
}

export class GroupCommit {
  private waiting: Waiter[] = [];
  private scheduled = false;
  private unsynced: Committed[] = [];
  private syncing = false;
  private failed: Error | null = null;
  private drained: (() => void)[] = [];

  /**
   * `onCommit` runs right after each successful COMMIT and returns `publish`, which runs once that
   * batch is durable, before its callers resume.
   */
  constructor(
    private readonly db: Database.Database,
    private readonly onCommit: () => () => void,
    private readonly deferred?: Deferred,
    private readonly durability?: Durability,
  ) {}

  /** Run `fn` in this tick's transaction; resolves with its result once committed (and durable). */
  run<T>(fn: () => T): Promise<T> {
    if (this.failed) return Promise.reject(this.failed);
    if (!this.db.inTransaction) this.db.exec('BEGIN IMMEDIATE');
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.commit());
    }
    let result: T;
    try {
      result = this.db.transaction(fn)();
    } catch (err) {
      return Promise.reject(err);
    }
    return new Promise<T>((resolve, reject) => this.waiting.push({ resolve: () => resolve(result), reject }));
  }

  /** Commit the open batch now (also used by close(), before `drain`). */
  commit(): void {
    this.scheduled = false;
    const waiting = this.waiting;
    this.waiting = [];
    if (!this.db.inTransaction) {
      for (const w of waiting) w.resolve();
      return;
    }
    try {
      this.deferred?.flush();
      this.db.exec('COMMIT');
    } catch (err) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      this.deferred?.abandoned?.();
      for (const w of waiting) w.reject(err);
      return;
    }
    this.deferred?.committed?.();
    const publish = this.onCommit();
    if (!this.durability) {
      publish();
      for (const w of waiting) w.resolve();
      return;
    }
    this.unsynced.push({ waiters: waiting, publish });
    this.sync();
  }

  /** Resolves once every committed batch is durable (or failed). */
  drain(): Promise<void> {
    if (!this.syncing && this.unsynced.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.drained.push(resolve));
  }

  private sync(): void {
    if (this.syncing || this.unsynced.length === 0) return;
    this.syncing = true;
    const batches = this.unsynced;
    this.unsynced = [];
    this.durability!.sync((err) => {
      this.syncing = false;
      if (err || this.failed) {
        this.failed ??= err;
        for (const b of [...batches, ...this.unsynced]) for (const w of b.waiters) w.reject(this.failed);
        this.unsynced = [];
      } else {
        for (const b of batches) b.publish();
        for (const b of batches) for (const w of b.waiters) w.resolve();
      }
      if (this.unsynced.length > 0) this.sync();
      else for (const d of this.drained.splice(0)) d();
    });
  }
}

/** fdatasync of the WAL file on libuv's thread pool (opened at the first sync: SQLite creates it). */
export function walSync(walPath: string): Durability & { close(): void } {
  let fd: number | null = null;
  return {
    sync(done) {
      try {
        fd ??= openSync(walPath, 'r');
      } catch (err) {
        done(err as Error);
        return;
      }
      fdatasync(fd, done);
    },
    close() {
      if (fd !== null) closeSync(fd);
      fd = null;
    },
  };
}
