#!/usr/bin/env node
// Sample pg_stat_activity of the bench databases (datname LIKE 'natter_bench_%') every 20 ms for --s seconds and
// print what the backends were doing: per (state, wait_event_type:wait_event) the share of samples, and per
// statement (its first 60 characters) the share of "active" samples. Run beside a bench:
//   node bench/tools/pg-activity.mjs --s 10 [--pg URL] [--after 20]   (waits --after s first)
import { BENCH_PG, flags, pgQuery, sleep } from '../lib.mjs';

const o = flags(process.argv.slice(2), { s: 10, after: 0, pg: BENCH_PG });
await sleep(o.after * 1000);
const states = new Map(), queries = new Map();
let n = 0, active = 0;
const end = Date.now() + o.s * 1000;
while (Date.now() < end) {
  const rows = await pgQuery(o.pg, "SELECT state, wait_event_type AS t, wait_event AS e, left(regexp_replace(query, '\\s+', ' ', 'g'), 60) AS q FROM pg_stat_activity WHERE datname LIKE 'natter_bench_%' AND backend_type = 'client backend'");
  n++;
  for (const r of rows) {
    const k = `${r.state} ${r.t ?? '-'}:${r.e ?? '-'}`;
    states.set(k, (states.get(k) ?? 0) + 1);
    if (r.state === 'active') { active++; queries.set(r.q, (queries.get(r.q) ?? 0) + 1); }
  }
  await sleep(20);
}
const top = (m, d) => [...m].sort((a, b) => b[1] - a[1]).slice(0, 15).map(([k, v]) => `${(v / d).toFixed(2).padStart(6)}  ${k}`).join('\n');
console.log(`${n} samples; backends per sample by state and wait:\n${top(states, n)}\nactive backends per sample by statement:\n${top(queries, n)}`);
