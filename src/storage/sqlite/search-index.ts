/**
 * The writes to the FTS5 search index (`message_grams`), held until the batch commits. FTS5 turns its
 * pending terms into a new index segment at every SAVEPOINT, and the group commit runs each use case
 * in a savepoint of its own (group-commit.ts), so writing there would make one tiny segment per message
 * and keep FTS5 merging them. Held here, a tick's messages go in together just before COMMIT: one
 * segment per batch. A use case that fails drops what it queued (`mark`/`rollback`), like its savepoint.
 */
import type Database from 'better-sqlite3';

export class SearchIndex {
  /** [message id, tokens to index] or [message id, null] to remove, in the order the use cases asked. */
  private ops: [number, string | null][] = [];

  constructor(private readonly insert: Database.Statement, private readonly remove: Database.Statement) {}

  /** Index message `id` by `tokens` (core/fold.ts trigramTokens). */
  put(id: number, tokens: string): void {
    this.ops.push([id, tokens]);
  }

  /** Take message `id` out of the index. */
  delete(id: number): void {
    this.ops.push([id, null]);
  }

  mark(): number {
    return this.ops.length;
  }

  /** Forget what was queued since `mark`. */
  rollback(mark: number): void {
    this.ops.length = mark;
  }

  /** Apply the queue, in order (inside the batch's transaction, outside any savepoint). */
  flush(): void {
    const ops = this.ops;
    this.ops = [];
    for (const [id, tokens] of ops) {
      if (tokens === null) this.remove.run(id);
      else this.insert.run(id, tokens);
    }
  }
}
