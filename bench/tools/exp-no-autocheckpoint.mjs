// Experiment (not a fix): preloaded into the server with `node bench/post.mjs --preload
// bench/tools/exp-no-autocheckpoint.mjs`, it turns SQLite's automatic WAL checkpoint off right after
// the store switches to WAL, so no checkpoint (page copy + database fsync) runs inside a post's
// COMMIT. The WAL then grows for the length of the bench. Measures what suggestion 2 in
// bench/README.md ("checkpoints off the request path") is worth, without touching src/.
import { createRequire } from 'node:module';

const require = createRequire(new URL('../../package.json', import.meta.url));
const Database = require('better-sqlite3');
const pragma = Database.prototype.pragma;
Database.prototype.pragma = function (source, options) {
  const result = pragma.call(this, source, options);
  if (/^\s*journal_mode\s*=\s*wal\s*$/i.test(source)) pragma.call(this, 'wal_autocheckpoint = 0');
  return result;
};
