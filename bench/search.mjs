#!/usr/bin/env node
// bench/search.mjs — GET /api/v1/search latency on a large corpus (issue 11, "Benchmark").
// Per store (SQLite, PostgreSQL):
//   1. load: bench/search-load.mjs (under `node --import tsx`) opens the Store directly and posts
//      --messages messages through Store.postMessage (indexing and mention parsing included) into 200
//      rooms; the viewer may read --public public rooms and --viewer-private private ones. Stops at
//      --load-max-s. Skipped with --db/--meta (an already loaded database, e.g. loaded in advance).
//   2. a real Natter server (`node --import tsx src/main.ts`, taskset -c 0, NATTER_SEARCH_RATE=0) on it;
//      warm-up queries, then --per-class queries of each class, all classes shuffled together, one at
//      a time (sequential: the latency is the server's, not a queue's), limit=20 (the API default); a class
//      stops early once its queries have taken --class-max-s (default 120 s) in total.
//   --server-root DIR: the checkout whose src/ loads and serves (default this one; e.g. a clean worktree).
//   3. sizes of the index (SQLite: dbstat; PostgreSQL: pg_relation_size, pg_column_size).
// One JSON line per store → --out (default bench/results/search.jsonl); a table on stdout.
//
//   node bench/search.mjs --store sqlite --messages 20000 --per-class 50      # quick check
//   node bench/search.mjs --store sqlite --db /tmp/x/natter.db --meta /tmp/x/meta-sqlite.json
//   node bench/search.mjs --store postgres --db postgres://postgres@127.0.0.1:5432/natter_bench_search --meta … --drop
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import http from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { ROOT, cpuWindow, flags, gitRev, nowMs, percentiles, startNatter, pinSelf } from './lib.mjs';
import { prng, vocabulary } from './search-text.mjs';
import { queryClasses } from './search-queries.mjs';

const o = flags(process.argv.slice(2), {
  store: 'sqlite', messages: 1000000, 'load-max-s': 600, public: 50, 'viewer-private': 50, db: '', meta: '',
  'per-class': 300, warmup: 100, limit: 20, label: 'search', out: join(ROOT, 'bench/results/search.jsonl'),
  pg: process.env.NATTER_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres', drop: false, keep: false,
  'server-cpu': '0', 'client-cpu': '1', seed: 99, 'slow-ms': 0, 'server-root': ROOT, 'class-max-s': 120,
});
if (o.help) { console.log(readFileSync(new URL(import.meta.url), 'utf8').split('\n').slice(1, 18).join('\n')); process.exit(0); }
pinSelf(o['client-cpu']);
const log = (s) => process.stderr.write(`${s}\n`);
const isPg = o.store === 'postgres';

async function admin(url, sql) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try { return (await c.query(sql)).rows; } finally { await c.end(); }
}

/** Run the loader (node --import tsx bench/search-load.mjs) and wait for it. */
function load(db, meta) {
  return new Promise((res, rej) => {
    const args = ['--import', 'tsx', join(ROOT, 'bench/search-load.mjs'), '--store', o.store, '--db', db, '--meta', meta,
      '--messages', String(o.messages), '--max-s', String(o['load-max-s']), '--public', String(o.public), '--viewer-private', String(o['viewer-private']), '--root', o['server-root']];
    const c = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
    c.on('exit', (code) => (code === 0 ? res() : rej(new Error(`loader exited ${code}`))));
  });
}

/** Sequential GETs of /search on one keep-alive connection. */
function search(port, agent, token, q) {
  const path = `/api/v1/search?q=${encodeURIComponent(q)}&limit=${o.limit}`;
  return new Promise((res) => {
    const t0 = nowMs();
    const req = http.request({ host: '127.0.0.1', port, path, agent, headers: { authorization: `Bearer ${token}`, accept: 'application/json' } }, (r) => {
      const chunks = [];
      r.on('data', (c) => chunks.push(c));
      r.on('end', () => {
        const ms = nowMs() - t0;
        let body = null;
        try { body = JSON.parse(Buffer.concat(chunks).toString('utf8')); } catch { /* counted as an error */ }
        res({ status: r.statusCode, ms, results: body?.results?.length ?? 0, more: !!body?.next });
      });
    });
    req.setTimeout(60000, () => req.destroy(new Error('TIMEOUT')));
    req.on('error', (e) => res({ status: e.message, ms: nowMs() - t0, results: 0, more: false }));
    req.end();
  });
}

async function sizes(db) {
  if (!isPg) {
    const d = new Database(db, { readonly: true });
    try {
      const one = (sql) => d.prepare(sql).pluck().get();
      const out = { file_bytes: statSync(db).size, wal_bytes: existsSync(`${db}-wal`) ? statSync(`${db}-wal`).size : 0 };
      // The index has its own file (src/storage/sqlite/search-index.ts); the database holds no folded text.
      const indexFile = `${db}-search`;
      out.index_file_bytes = existsSync(indexFile) ? statSync(indexFile).size : null;
      try {
        out.messages_table_bytes = one("SELECT SUM(pgsize) FROM dbstat WHERE name = 'messages'");
        if (out.index_file_bytes !== null) {
          const x = new Database(indexFile, { readonly: true });
          try {
            out.index_bytes = x.prepare("SELECT SUM(pgsize) FROM dbstat WHERE name LIKE 'message_grams%'").pluck().get();
            out.index_parts = x.prepare("SELECT name, SUM(pgsize) AS bytes FROM dbstat WHERE name LIKE 'message_grams%' GROUP BY name").all();
            out.index_state = x.prepare('SELECT through, dirty FROM search_state').get();
          } finally { x.close(); }
        }
      } catch (e) { out.dbstat_error = e.message; }
      out.text_bytes = one('SELECT SUM(length(CAST(text AS BLOB))) FROM messages');
      out.messages = one('SELECT COUNT(*) FROM messages');
      return out;
    } finally { d.close(); }
  }
  const [r] = await admin(db, `SELECT COUNT(*)::bigint AS messages, pg_relation_size('messages_grams') AS index_bytes,
    pg_table_size('messages') AS messages_table_bytes, pg_total_relation_size('messages') AS messages_total_bytes,
    SUM(pg_column_size(grams))::bigint AS grams_column_bytes, SUM(pg_column_size(search_text))::bigint AS search_text_bytes,
    SUM(pg_column_size(text))::bigint AS text_bytes, pg_database_size(current_database()) AS database_bytes FROM messages`);
  return Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Number(v)]));
}

// ---- main
const runDir = mkdtempSync(join(tmpdir(), 'natter-search-'));
let db = o.db, metaFile = o.meta, createdPg = null, server = null;
try {
  if (!db) {
    if (isPg) {
      createdPg = `natter_bench_search_${Math.random().toString(16).slice(2, 8)}`;
      await admin(o.pg, `CREATE DATABASE ${createdPg}`);
      db = Object.assign(new URL(o.pg), { pathname: `/${createdPg}` }).toString();
    } else db = join(runDir, 'natter.db');
    metaFile = join(runDir, `meta-${o.store}.json`);
    log(`== ${new Date().toISOString()} load ${o.store}: ${o.messages} messages (≤ ${o['load-max-s']} s) → ${db}`);
    await load(db, metaFile);
  }
  const meta = JSON.parse(readFileSync(metaFile, 'utf8'));
  const vocab = vocabulary();
  const classes = queryClasses(vocab, meta, { perClass: o['per-class'], seed: o.seed });
  const rnd = prng(o.seed + 7);
  const all = Object.entries(classes).flatMap(([cls, qs]) => qs.map((q) => ({ cls, q })));
  for (let i = all.length - 1; i > 0; i--) { const j = Math.floor(rnd() * (i + 1)); [all[i], all[j]] = [all[j], all[i]]; }

  // VACUUM ANALYZE, as autovacuum would have done on a database of this size (this machine's server runs
  // with autovacuum off): a migration that rewrote every row (005) otherwise leaves the dead half in place.
  if (isPg) { const t = nowMs(); await admin(db, 'VACUUM ANALYZE'); log(`   VACUUM ANALYZE in ${((nowMs() - t) / 1000).toFixed(1)} s`); }
  server = await startNatter({ cpu: o['server-cpu'], databaseUrl: isPg ? db : `sqlite:${db}`, env: { NATTER_SEARCH_RATE: '0' }, root: o['server-root'] });
  log(`== ${new Date().toISOString()} server :${server.port} (pid ${server.pid}) on ${meta.messages} messages; ${all.length} queries`);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const token = meta.viewer.token;
  for (let i = 0; i < o.warmup; i++) await search(server.port, agent, token, all[Math.floor(rnd() * all.length)].q);
  const load0 = loadavg();
  const cpu = cpuWindow(server.pid);
  const per = Object.fromEntries(Object.keys(classes).map((c) => [c, []]));
  const t0 = nowMs();
  const spent = Object.fromEntries(Object.keys(classes).map((c) => [c, 0]));
  for (const { cls, q } of all) {
    // A class that has used up its time budget (--class-max-s) stops early: n says how many ran.
    if (spent[cls] > o['class-max-s'] * 1000) continue;
    const r = await search(server.port, agent, token, q);
    spent[cls] += r.ms;
    per[cls].push({ q, ...r });
    if (o['slow-ms'] && r.ms > o['slow-ms']) log(`   slow ${cls} ${JSON.stringify(q)}: ${r.ms.toFixed(1)} ms, ${r.results} results`);
  }
  const window = cpu();
  const measureS = (nowMs() - t0) / 1000;
  agent.destroy();
  await server.stop();
  server = null;

  const out = {
    bench: 'search', label: o.label, store: o.store, rev: gitRev(o['server-root']), at: new Date().toISOString(),
    messages: meta.messages, requested: meta.requested, stopped_by: meta.stopped_by, load_s: meta.load_s, load_msg_per_s: meta.load_msg_per_s,
    readable_messages: meta.readable_messages, cjk_messages: meta.cjk_messages, mean_utf16_len: meta.mean_utf16_len,
    rooms: meta.rooms, public_rooms: meta.public_rooms, readable_rooms: meta.readable_rooms,
    per_class: o['per-class'], limit: o.limit, warmup: o.warmup, measure_s: +measureS.toFixed(1),
    loadavg_before: load0.map((x) => +x.toFixed(2)), loadavg_after: loadavg().map((x) => +x.toFixed(2)), ...window,
    classes: Object.fromEntries(Object.entries(per).map(([cls, rs]) => {
      const ok = rs.filter((r) => r.status === 200);
      return [cls, {
        n: rs.length, stopped_by_budget: rs.length < o['per-class'], errors: rs.length - ok.length, latency_ms: percentiles(ok.map((r) => r.ms), [50, 95, 99]),
        mean_results: +(ok.reduce((s, r) => s + r.results, 0) / Math.max(1, ok.length)).toFixed(1),
        empty_pct: Math.round((100 * ok.filter((r) => r.results === 0).length) / Math.max(1, ok.length)),
        full_page_pct: Math.round((100 * ok.filter((r) => r.more).length) / Math.max(1, ok.length)),
        distinct_queries: new Set(rs.map((r) => r.q)).size,
        examples: [...new Set(rs.map((r) => r.q))].slice(0, 6),
        slowest: [...rs].sort((a, b) => b.ms - a.ms).slice(0, 5).map((r) => ({ q: r.q, ms: +r.ms.toFixed(1), results: r.results, status: r.status })),
      }];
    })),
    sizes: await sizes(db),
  };
  mkdirSync(dirname(o.out), { recursive: true });
  appendFileSync(o.out, JSON.stringify(out) + '\n');
  const per1M = (b) => (b == null ? '–' : `${((b / out.messages) * 1e6 / 2 ** 20).toFixed(0)} MiB`);
  console.log(`\n${o.store}, ${out.messages.toLocaleString('en')} messages, rev ${out.rev}, load avg ${out.loadavg_before.join(' ')}, other CPU ${out.other_cpu_pct} %\n`);
  console.log('| class | n | p50 ms | p95 ms | p99 ms | max ms | mean results | empty % |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const [c, v] of Object.entries(out.classes)) console.log(`| ${c} | ${v.n} | ${v.latency_ms.p50} | ${v.latency_ms.p95} | ${v.latency_ms.p99} | ${v.latency_ms.max} | ${v.mean_results} | ${v.empty_pct} |`);
  console.log(`\nindex: ${per1M(out.sizes.index_bytes)} per 1M messages; sizes ${JSON.stringify(out.sizes)}`);
} finally {
  await server?.stop().catch(() => {});
  if (createdPg && !o.keep) await admin(o.pg, `DROP DATABASE IF EXISTS ${createdPg} WITH (FORCE)`).catch((e) => log(`drop: ${e.message}`));
  if (o.drop && isPg && o.db) {
    const name = new URL(o.db).pathname.slice(1);
    await admin(o.pg, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch((e) => log(`drop: ${e.message}`));
  }
  if (!o.keep) rmSync(runDir, { recursive: true, force: true });
}
