/**
 * The SQLite store's search index: FTS5 over each message's folded 3-grams (core/fold.ts trigramTokens;
 * `prefix='1 2'` makes their 1- and 2-character prefixes the 1- and 2-gram index), kept in a file of its
 * own (`<database>-search`) and written by a worker thread (search-worker.ts), so that a post pays for
 * its message row only and the index is built on another core.
 *
 * The index follows the messages table, not the other way round: `through` is the newest message id it
 * holds (ids are commit order under SQLite's single writer), and `dirty` the last `search_dirty` row it
 * has read (edits and deletes append one in their own transaction). Both are stored in the index file in
 * the transaction that wrote the grams, so the index is consistent with them after any crash; the index
 * file is derived data, rebuilt from scratch when it is missing or its format changed.
 *
 * Searches (lookups.ts) see every committed message at once: they scan the messages the index has not
 * caught up with (newer than `through`, or dirty after `dirty`), use the index for the rest, and confirm
 * every candidate against the message's current folded text.
 *
 * `:memory:` stores (unit tests) cannot share their database with a thread: they attach an in-memory
 * index and index inline, inside each batch's transaction (`Deferred`), with the same `IndexWriter`.
 */
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { fold, trigramTokens } from '../../core/fold.ts';
import type { Deferred } from './group-commit.ts';

/** The index file's format; an index of another version is rebuilt. */
const FORMAT = 1;
/** Most messages (and, separately, dirty rows) read per index transaction. */
export const STEP_MAX = 2_000;
/** How far behind (messages) the index may be at open before the store catches it up before serving. */
const CATCH_UP_AT_OPEN = 10_000;
/** How often the worker looks for new messages; searches scan what it has not indexed yet. */
export const WORKER_INTERVAL_MS = 100;

/** Where the index stands: everything up to these is in it. */
export interface IndexState {
  through: number;
  dirty: number;
}

/** The `SQL` function searches use to confirm a candidate against its current text. */
export function registerFold(db: Database.Database): void {
  db.function('natter_fold', { deterministic: true }, (text: unknown) => fold(String(text ?? '')));
}

/** Create the index's tables in `schema` of `db` (re-create them when their format is older); returns its state. */
export function prepareIndex(db: Database.Database, schema: string): IndexState {
  if (db.pragma(`${schema}.user_version`, { simple: true }) !== FORMAT) {
    db.exec(`
      DROP TABLE IF EXISTS ${schema}.message_grams;
      DROP TABLE IF EXISTS ${schema}.search_state;
      CREATE VIRTUAL TABLE ${schema}.message_grams USING fts5(grams, content='', contentless_delete=1, detail='none', tokenize='ascii', prefix='1 2');
      CREATE TABLE ${schema}.search_state (id INTEGER PRIMARY KEY CHECK (id = 1), through INTEGER NOT NULL, dirty INTEGER NOT NULL);
      INSERT INTO ${schema}.search_state (id, through, dirty) VALUES (1, 0, 0);
      PRAGMA ${schema}.user_version = ${FORMAT};
    `);
  }
  return db.prepare<[], IndexState>(`SELECT through, dirty FROM ${schema}.search_state`).get()!;
}

/**
 * Moves the index forward: reads new messages and dirty rows from `src` (the store's database) and writes
 * their grams to `schema` of `idx`. The caller owns the transactions: one read snapshot of `src` and one
 * write transaction of `idx` around each `step`.
 */
export class IndexWriter {
  private readonly newer;
  private readonly changed;
  private readonly insert;
  private readonly remove;
  private readonly save;

  constructor(src: Database.Database, idx: Database.Database, schema: string) {
    this.newer = src.prepare<[number, number], { id: number; text: string; deleted: number }>(
      'SELECT id, text, deleted FROM messages WHERE id > ? ORDER BY id LIMIT ?');
    this.changed = src.prepare<[number, number], { seq: number; id: number; text: string; deleted: number }>(
      'SELECT d.seq, m.id, m.text, m.deleted FROM search_dirty d JOIN messages m ON m.id = d.message_id WHERE d.seq > ? ORDER BY d.seq LIMIT ?');
    this.insert = idx.prepare(`INSERT INTO ${schema}.message_grams (rowid, grams) VALUES (?, ?)`);
    this.remove = idx.prepare(`DELETE FROM ${schema}.message_grams WHERE rowid = ?`);
    this.save = idx.prepare(`UPDATE ${schema}.search_state SET through = ?, dirty = ? WHERE id = 1`);
  }

  /** Index what changed after `from` (at most `max` of each kind); returns the new state and how many rows were read. */
  step(from: IndexState, max = STEP_MAX): { state: IndexState; read: number } {
    const fresh = this.newer.all(from.through, max);
    for (const m of fresh) if (!m.deleted) this.insert.run(m.id, trigramTokens(fold(m.text)));
    const through = fresh.length > 0 ? fresh[fresh.length - 1]!.id : from.through;
    const dirtyRows = this.changed.all(from.dirty, max);
    // Read in the same snapshot as `fresh`: the current text, once per message. Messages newer than
    // `from.through` were just indexed from that text, or will be when `through` reaches them.
    const seen = new Set<number>();
    for (const d of dirtyRows) {
      if (d.id > from.through || seen.has(d.id)) continue;
      seen.add(d.id);
      this.remove.run(d.id);
      if (!d.deleted) this.insert.run(d.id, trigramTokens(fold(d.text)));
    }
    const state = { through, dirty: dirtyRows.length > 0 ? dirtyRows[dirtyRows.length - 1]!.seq : from.dirty };
    this.save.run(state.through, state.dirty);
    return { state, read: fresh.length + dirtyRows.length };
  }
}

/** Run `step` until a step reads less than a full STEP_MAX: the index has caught up. Returns where it stands. */
export function catchUp(from: IndexState, step: (at: IndexState) => { state: IndexState; read: number }): IndexState {
  let at = from;
  for (;;) {
    const r = step(at);
    at = r.state;
    if (r.read < STEP_MAX) return at;
  }
}

/** What the store needs of its search index. */
export interface SearchIndex extends Deferred {
  /** The connection searches run on: it sees the store's committed data and the index as `search.*`. */
  readonly reader: Database.Database;
  /** The committed index state searches may rely on. */
  state(): IndexState;
  close(): Promise<void>;
}

/** The index of a `:memory:` store: attached in memory, written inside each batch's transaction. */
export function inlineIndex(db: Database.Database): SearchIndex {
  db.exec(`ATTACH ':memory:' AS search`);
  registerFold(db);
  let committed = prepareIndex(db, 'search');
  let pending: IndexState | null = null;
  const writer = new IndexWriter(db, db, 'search');
  return {
    reader: db,
    state: () => committed,
    flush() {
      // The batch's own messages are not yet committed when this runs, but they are in the transaction:
      // indexed with it, or rolled back with it.
      pending = catchUp(committed, (at) => writer.step(at));
    },
    committed() {
      if (pending) committed = pending;
      pending = null;
    },
    abandoned() {
      pending = null;
    },
    async close() {},
  };
}

/**
 * The index of a store file: `<path>-search`, written by a worker thread. At open the index is prepared (and
 * caught up here when far behind, e.g. after an upgrade, so searches never scan much); then the worker
 * indexes every WORKER_INTERVAL_MS and reports its state. Dirty rows the index has read are pruned from the
 * store in the next write batch. `onError` hears of a worker that failed (it is restarted after a second).
 */
export function workerIndex(db: Database.Database, path: string, onError: (err: unknown) => void = (err) => console.error('search index worker:', err)): SearchIndex {
  const indexPath = `${path}-search`;
  const reader = new Database(path);
  reader.pragma('busy_timeout = 5000');
  reader.exec(`ATTACH '${indexPath.replace(/'/g, "''")}' AS search`);
  reader.pragma('search.journal_mode = WAL');
  reader.pragma('search.synchronous = NORMAL');
  registerFold(reader);
  let state = prepareIndex(reader, 'search');
  const newest = reader.prepare<[], { id: number }>('SELECT COALESCE(MAX(id), 0) AS id FROM messages').get()!.id;
  if (newest - state.through > CATCH_UP_AT_OPEN) {
    const writer = new IndexWriter(reader, reader, 'search');
    state = catchUp(state, reader.transaction((at: IndexState) => writer.step(at)));
  }
  // From here on this connection only reads (the worker writes the index); it must never write the store.
  reader.pragma('query_only = ON');
  const prune = db.prepare('DELETE FROM search_dirty WHERE seq <= ?');
  let pruned = state.dirty;
  let worker: Worker | null = null;
  let closed = false;
  let restart: NodeJS.Timeout | null = null;
  let exited: Promise<void> = Promise.resolve();

  const start = () => {
    const w = new Worker(new URL('./search-worker.mjs', import.meta.url), {
      workerData: { path, indexPath, intervalMs: WORKER_INTERVAL_MS },
    });
    worker = w;
    w.unref();
    exited = new Promise((resolve) => w.once('exit', () => resolve()));
    w.on('message', (m: IndexState) => {
      if (m.through >= state.through && m.dirty >= state.dirty) state = m;
    });
    w.on('error', (err) => {
      onError(err);
      if (closed) return;
      restart = setTimeout(start, 1_000);
      restart.unref();
    });
  };
  start();

  return {
    reader,
    state: () => state,
    flush() {
      if (state.dirty > pruned) {
        prune.run(state.dirty);
        pruned = state.dirty;
      }
    },
    async close() {
      closed = true;
      if (restart) clearTimeout(restart);
      if (worker) {
        worker.postMessage('stop');
        const timer = setTimeout(() => void worker?.terminate(), 2_000);
        await exited;
        clearTimeout(timer);
      }
      reader.close();
    },
  };
}
