// Experiment (not a fix, and NOT durable): preloaded into the server with
// `node bench/webhooks.mjs --preload bench/tools/exp-no-fdatasync.mjs`, it makes the group commit's
// fdatasync of the WAL (src/storage/sqlite/group-commit.ts) answer at once without syncing, so a write's
// promise resolves right after its COMMIT. Measures how much of a webhook delivery's cycle (send → ack
// write → next send) is the wait for the ack's fsync, without touching src/. Only for measurements.
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';

fs.fdatasync = (fd, cb) => { setImmediate(cb, null); };
syncBuiltinESMExports();
