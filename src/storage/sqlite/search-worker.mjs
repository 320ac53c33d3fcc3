// The search index worker's entry point (search-index.ts): a worker thread does not inherit the
// `--import tsx` loader of the main thread on Node 20, so it registers tsx itself, then runs the
// TypeScript module.
import { register } from 'tsx/esm/api';

register();
await import(new URL('./search-worker.ts', import.meta.url).href);
