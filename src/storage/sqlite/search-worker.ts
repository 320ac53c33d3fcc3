/**
 * The store's background thread (search-index.ts `workerIndex`): every `intervalMs` it indexes the
 * messages and changes committed since its last step, STEP_MAX at a time, each step one read snapshot of
 * the store and one write transaction of the index file, and posts the new state to the store. Then it
 * checkpoints the store's WAL (PASSIVE: it never blocks the writer), so that copying WAL pages into the
 * database file and its fsync happen here rather than inside a COMMIT on the event loop (sqlite-store.ts
 * keeps the writer's own automatic checkpoint only as a safety net). It stops when the store posts 'stop'.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { catchUp, IndexWriter, type IndexState } from './search-index.ts';

const { path, indexPath, intervalMs } = workerData as { path: string; indexPath: string; intervalMs: number };

const src = new Database(path);
src.pragma('query_only = ON');
src.pragma('busy_timeout = 5000');
const idx = new Database(indexPath);
idx.pragma('journal_mode = WAL');
idx.pragma('synchronous = NORMAL');
idx.pragma('busy_timeout = 5000');
const writer = new IndexWriter(src, idx, 'main');
let state = idx.prepare<[], IndexState>('SELECT through, dirty FROM search_state').get()!;

/** One step: a read snapshot of the store, a write transaction of the index. */
const step = (at: IndexState) => {
  src.exec('BEGIN');
  try {
    return idx.transaction(() => writer.step(at))();
  } finally {
    src.exec('COMMIT');
  }
};

function run(): void {
  const next = catchUp(state, step);
  if (next.through !== state.through || next.dirty !== state.dirty) parentPort!.postMessage(next);
  state = next;
  src.pragma('wal_checkpoint(PASSIVE)');
  timer = setTimeout(run, intervalMs);
}

// Messages arrive between tasks, never inside `run`: a 'stop' always finds the timer set.
let timer: NodeJS.Timeout;
parentPort!.on('message', (m) => {
  if (m !== 'stop') return;
  clearTimeout(timer);
  src.close();
  idx.close();
  parentPort!.close();
});
run();
