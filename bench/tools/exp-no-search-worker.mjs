// Experiment (not a fix: searches then scan every message newer than the index): preloaded into the server
// with `node bench/post.mjs --preload bench/tools/exp-no-search-worker.mjs`, it starts the SQLite store's
// background thread (src/storage/sqlite/search-worker.ts) with an interval of an hour, so after its first
// step at start it neither indexes nor checkpoints during the run. Measures what the search index and the
// background checkpoint cost a post on a server pinned to one core, without touching src/. EXP_SEARCH_INTERVAL_MS=250
// instead runs it every 250 ms (what a longer interval, i.e. larger index transactions, is worth).
import wt from 'node:worker_threads';
import { syncBuiltinESMExports } from 'node:module';

const Worker = wt.Worker;
wt.Worker = class extends Worker {
  constructor(url, opts) {
    if (String(url).includes('search-worker') && opts?.workerData) opts = { ...opts, workerData: { ...opts.workerData, intervalMs: Number(process.env.EXP_SEARCH_INTERVAL_MS ?? 3_600_000) } };
    super(url, opts);
  }
};
syncBuiltinESMExports();
