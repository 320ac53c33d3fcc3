#!/usr/bin/env node
// bench/cluster.mjs — cluster mode (issue 6, "Benchmark"): cross-node delivery latency
// (post on node A, stream on node B) against single-node latency (post and stream on A),
// in one run, interleaved by rep. Target: cross-node p99 ≤ 1.3 × single-node p99 at
// 1k streams × 20 msg/s.
//
// Setup per run: a fresh PostgreSQL database on the machine's server (NATTER_BENCH_PG, default
// postgres://postgres@127.0.0.1:5432/test as maintenance connection; dropped at the end), a
// dedicated redis-server on a free port (no persistence; not the shared 6379, whose channel
// other test runs use), and two Natter nodes (DATABASE_URL=postgres://…, REDIS_URL=redis://…),
// both pinned to CPU 0 (`--node-cpu`); the harness (bench/vendor/fanout.mjs) runs on CPU 1;
// PostgreSQL and Redis are not pinned. One registered user's bearer token serves all streams.
//
//   node bench/cluster.mjs [--reps 3] [--subs 1000] [--msgs 200] [--rate 20] [--out FILE]
//   node bench/cluster.mjs --reps 1 --kinds single --prof /tmp/prof-cluster   (profiles of A and B)
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { BENCH_PG, ROOT, flags, gitRev, pgDatabaseUrl, pgQuery, request, startNatter, startRedis, waitQuiet } from './lib.mjs';

const o = flags(process.argv.slice(2), {
  reps: 3, subs: 1000, msgs: 200, rate: 20, 'node-cpu': '0', 'client-cpu': '1', label: 'cluster',
  out: join(ROOT, 'bench/results/cluster.jsonl'), pg: BENCH_PG,
  'quiet-pct': 15, 'quiet-max': 60, kinds: 'single,cross', prof: '',
});
if (o.help) { console.log('usage: node bench/cluster.mjs [--reps 3] [--subs 1000] [--msgs 200] [--rate 20] [--out FILE] [--pg URL]'); process.exit(0); }
const log = (s) => process.stderr.write(`${s}\n`);

const admin = (sql) => pgQuery(o.pg, sql);

/** Run the vendored harness pinned to the client CPU; resolves with its JSON line. */
function harness(args) {
  return new Promise((res, rej) => {
    const c = spawn('taskset', ['-c', String(o['client-cpu']), process.execPath, join(ROOT, 'bench/vendor/fanout.mjs'), '--quiet', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    c.stdout.on('data', (b) => (out += b));
    c.on('exit', (code) => { try { res(JSON.parse(out.trim().split('\n').at(-1))); } catch { rej(new Error(`harness exited ${code}: ${out}`)); } });
  });
}

const dbName = `natter_bench_${randomBytes(4).toString('hex')}`;
const dbUrl = pgDatabaseUrl(o.pg, dbName);
let redis, a, b;
try {
  await admin(`CREATE DATABASE ${dbName}`);
  redis = await startRedis();
  const env = { REDIS_URL: `redis://127.0.0.1:${redis.port}` };
  const prof = (n) => (o.prof ? join(o.prof, n) : null);
  a = await startNatter({ cpu: o['node-cpu'], databaseUrl: dbUrl, env, cpuProf: prof('A') });
  b = await startNatter({ cpu: o['node-cpu'], databaseUrl: dbUrl, env, cpuProf: prof('B') });
  log(`nodes A :${a.port} (pid ${a.pid}), B :${b.port} (pid ${b.pid}), redis :${redis.port}, db ${dbName}`);
  const reg = await request({ port: a.port, method: 'POST', path: '/api/v1/auth/register', body: { username: 'bench', password: 'bench-password-1' } });
  if (reg.status !== 201) throw new Error(`register: ${reg.status}`);
  const token = reg.body.token;
  const auth = `Authorization: Bearer ${token}`;
  for (let r = 1; r <= o.reps; r++) {
    for (const kind of o.kinds.split(',')) {
      const sub = kind === 'single' ? a : b;
      await waitQuiet({ pct: o['quiet-pct'], maxS: o['quiet-max'] });
      const line = await harness([
        '--sub-url', `http://127.0.0.1:${sub.port}/api/v1/events`, '--sub-header', auth,
        '--pub-url', `http://127.0.0.1:${a.port}/api/v1/rooms/general/messages`, '--pub-header', auth,
        '--pub-body', '{"text":"m{seq} {ts}"}', '--event', 'message',
        '--subs', String(o.subs), '--msgs', String(o.msgs), '--rate', String(o.rate), '--timeout', '120',
        '--server-pid', `${a.pid},${b.pid}`, '--label', `${o.label}-${kind}/c${o.subs}x${o.rate}/${r}`,
      ]);
      const out = { bench: 'cluster', kind, rev: gitRev(), ...line };
      mkdirSync(dirname(o.out), { recursive: true });
      appendFileSync(o.out, JSON.stringify(out) + '\n');
      log(`  rep ${r} ${kind}: delivered ${line.delivered}/${line.expected}, p50 ${line.latency_ms.p50} ms, p99 ${line.latency_ms.p99} ms, other ${Math.round(line.other_cpu_pct)} %`);
      process.stdout.write(JSON.stringify(out) + '\n');
    }
  }
} finally {
  await a?.stop().catch(() => {});
  await b?.stop().catch(() => {});
  await redis?.stop().catch(() => {});
  await admin(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch((e) => log(`drop ${dbName}: ${e.message}`));
}
