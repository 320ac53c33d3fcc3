// Preloaded into a PostgreSQL node by bench/post.mjs (`--import bench/tools/probe-pg-lock.mjs`, with
// NATTER_BENCH_PGLOCK_OUT set): measures how long each transaction holds the log_head row lock, without
// touching src/. It wraps pg's Client.prototype.query (the same module instance the server loads when its
// node_modules resolves to the same real path): on a client, the time from the reply to a statement that
// updates log_head to the reply to the COMMIT (or ROLLBACK) that ends that transaction is one lock hold,
// as the node sees it (the server holds the lock slightly longer: from executing the UPDATE to finishing
// COMMIT). Also counted: positions taken per hold (`$1` of a statement with `pos + $1`, else 1).
// SIGUSR2 appends a JSON summary of the window since the previous SIGUSR2 and starts a new window.
import { appendFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const out = process.env.NATTER_BENCH_PGLOCK_OUT;
if (out) {
  // Resolve pg from the server's working directory (its checkout), not from this file's.
  const pg = createRequire(join(process.cwd(), 'package.json'))('pg');
  const proto = pg.Client.prototype;
  const original = proto.query;
  const held = Symbol('log_head taken at');
  const took = Symbol('positions');
  let holds = [], positions = 0, rollbacks = 0, t0 = performance.now();
  const textOf = (c) => (typeof c === 'string' ? c : c?.text ?? '');
  proto.query = function (config, values, cb) {
    const text = textOf(config);
    const p = original.call(this, config, values, cb);
    if (typeof cb === 'function' || typeof values === 'function' || !p || typeof p.then !== 'function') return p;
    if (/UPDATE log_head/i.test(text)) {
      // Values come second, or inside the config of a named statement (src/storage/postgres/db.ts).
      const vals = Array.isArray(values) ? values : config?.values;
      const n = /pos \+ \$1/.test(text) && Array.isArray(vals) ? Number(vals[0]) : 1;
      p.then(() => { this[held] = performance.now(); this[took] = n; }, () => {});
    } else if (/^\s*(COMMIT|ROLLBACK)\s*$/i.test(text)) {
      const finish = (ok) => {
        if (this[held] === undefined) return;
        if (ok) { holds.push(performance.now() - this[held]); positions += this[took]; } else rollbacks++;
        this[held] = undefined;
      };
      p.then(() => finish(/COMMIT/i.test(text)), () => finish(false));
    }
    return p;
  };
  const pct = (a, q) => (a.length ? +a[Math.min(a.length - 1, Math.ceil((q / 100) * a.length) - 1)].toFixed(3) : null);
  const dump = () => {
    const a = Float64Array.from(holds).sort();
    const window = (performance.now() - t0) / 1000;
    const sum = a.reduce((s, x) => s + x, 0);
    appendFileSync(out, JSON.stringify({
      at: Date.now(), window_s: +window.toFixed(3), holds: a.length, positions, rollbacks,
      positions_per_hold: a.length ? +(positions / a.length).toFixed(2) : null,
      hold_ms: { p50: pct(a, 50), p90: pct(a, 90), p99: pct(a, 99), max: a.length ? +a[a.length - 1].toFixed(3) : null, mean: a.length ? +(sum / a.length).toFixed(3) : null },
      // The share of the window during which this node held the lock.
      held_fraction: +(sum / 1000 / Math.max(window, 1e-3)).toFixed(3),
    }) + '\n');
    holds = []; positions = 0; rollbacks = 0; t0 = performance.now();
  };
  process.on('SIGUSR2', dump);
}
