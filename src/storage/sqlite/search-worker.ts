/**
 * The search index's worker thread (search-index.ts `workerIndex`): every `intervalMs` it indexes the
 * messages and changes committed since its last step, STEP_MAX at a time, each step one read snapshot of
 * the store and one write transaction of the index file, and posts the new state to the store. It stops
 * when the store posts 'stop' (after the step it is in).
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { IndexWriter, type IndexState } from './search-index.ts';

const { path, indexPath, intervalMs, stepMax } = workerData as { path: string; indexPath: string; intervalMs: number; stepMax: number };

const src = new Database(path);
src.pragma('query_only = ON');
src.pragma('busy_timeout = 5000');
const idx = new Database(indexPath);
idx.pragma('journal_mode = WAL');
idx.pragma('synchronous = NORMAL');
idx.pragma('busy_timeout = 5000');
const writer = new IndexWriter(src, idx, 'main');
let state = idx.prepare<[], IndexState>('SELECT through, dirty FROM search_state').get()!;
let stopping = false;
let timer: NodeJS.Timeout | null = null;

/** One step: a read snapshot of the store, a write transaction of the index. */
const step = (): number => {
  src.exec('BEGIN');
  try {
    const r = idx.transaction(() => writer.step(state, stepMax))();
    state = r.state;
    return r.read;
  } finally {
    src.exec('COMMIT');
  }
};

function run(): void {
  timer = null;
  let moved = false;
  while (!stopping) {
    const read = step();
    if (read > 0) moved = true;
    if (read < stepMax) break;
  }
  if (moved) parentPort!.postMessage(state);
  if (stopping) return finish();
  timer = setTimeout(run, intervalMs);
}

function finish(): void {
  if (timer) clearTimeout(timer);
  src.close();
  idx.close();
  parentPort!.close();
}

parentPort!.on('message', (m) => {
  if (m !== 'stop') return;
  stopping = true;
  if (timer) finish();
});
run();
