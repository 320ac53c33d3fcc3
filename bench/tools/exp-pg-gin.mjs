// bench/tools/exp-pg-gin.mjs — what the GIN index on messages.grams costs one INSERT on PostgreSQL: copies 300,000 messages of a
// loaded search-bench database (bench/search-load.mjs --store postgres --db …/natter_bench_search) with their GIN and (room_id, seq)
// indexes, inserts 2 × 10,000 more one row at a time (transactions of 5) with and then without the GIN index, and prints the
// backend's CPU (from /proc) and wall time per insert. Issue 17 experiment (bench/README.md); drops its table at the end.
//   node bench/tools/exp-pg-gin.mjs [postgres://postgres@127.0.0.1:5432/natter_bench_search]
import { readFileSync } from 'node:fs';
import pg from 'pg';
const c = new pg.Client({ connectionString: process.argv[2] ?? 'postgres://postgres@127.0.0.1:5432/natter_bench_search' });
await c.connect();
const q = (s, p) => c.query(s, p);
await q('DROP TABLE IF EXISTS exp_messages');
let t = Date.now();
await q('CREATE TABLE exp_messages AS SELECT id, room_id, seq, author_id, text, client_id, created_at, search_text, grams FROM messages WHERE id <= 300000');
await q('CREATE INDEX exp_messages_grams ON exp_messages USING gin (grams)');
await q('CREATE UNIQUE INDEX exp_messages_rs ON exp_messages (room_id, seq)');
await q('VACUUM ANALYZE exp_messages');
console.log('copy + index', Date.now() - t, 'ms');
const rows = (await q('SELECT id, room_id, seq, author_id, text, created_at, search_text, grams FROM messages WHERE id > 300000 ORDER BY id LIMIT 40000')).rows;
async function insertRange(from, to, label) {
  const t0 = process.cpuUsage(); const w0 = Date.now();
  for (let i = from; i < to; i += 5) {
    await q('BEGIN');
    for (const r of rows.slice(i, i + 5)) await q('INSERT INTO exp_messages (id, room_id, seq, author_id, text, created_at, search_text, grams) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)', [r.id, r.room_id, r.seq, r.author_id, r.text, r.created_at, r.search_text, r.grams]);
    await q('COMMIT');
  }
  const ms = Date.now() - w0;
  console.log(label, ((ms * 1000) / (to - from)).toFixed(0), 'µs wall per insert (client + round trip + server)');
}
const backendPid = (await q('SELECT pg_backend_pid() AS p')).rows[0].p;
const cpu = () => { const f = readFileSync(`/proc/${backendPid}/stat`, 'utf8').split(') ')[1].split(' '); return (Number(f[11]) + Number(f[12])) * 10; };
for (const [label, from, to] of [['with GIN', 0, 10000], ['with GIN', 10000, 20000]]) { const c0 = cpu(); await insertRange(from, to, label); console.log('   backend CPU', (((cpu() - c0) * 1000) / (to - from)).toFixed(0), 'µs per insert'); }
await q('DROP INDEX exp_messages_grams');
for (const [label, from, to] of [['no GIN', 20000, 30000], ['no GIN', 30000, 40000]]) { const c0 = cpu(); await insertRange(from, to, label); console.log('   backend CPU', (((cpu() - c0) * 1000) / (to - from)).toFixed(0), 'µs per insert'); }
await q('DROP TABLE exp_messages');
await c.end();
