// Shared helpers for the Natter benchmarks (post.mjs, resume.mjs, cluster.mjs).
// Node built-ins only. Everything talks to 127.0.0.1; every process started here is
// tracked by pid and stopped by that pid.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Project root (bench/..). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

/** A free TCP port on 127.0.0.1 (bind to 0, read, close). */
export function freePort() {
  return new Promise((res, rej) => {
    const s = net.createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

/** The benchmark environment: every limit off, quiet logs. */
const BENCH_ENV = {
  NATTER_POST_RATE: '0',
  NATTER_AUTH_RATE: '0',
  NATTER_STREAMS_PER_USER: '0',
  NATTER_STREAMS_PER_IP: '0',
  LOG_LEVEL: 'warn',
};

/**
 * Start a fresh Natter process (`node --import tsx src/main.ts`) pinned with taskset to
 * `cpu` (null = no pinning) on a fresh SQLite file in a temp dir. Resolves when /healthz
 * answers. `cpuProf` = a directory: run with --cpu-prof (written on graceful exit).
 * `databaseUrl` (e.g. postgres://…) replaces the fresh SQLite file. `preload`: an extra
 * module imported into the server first (experiments, e.g. bench/tools/exp-no-autocheckpoint.mjs).
 * `root`: the checkout whose src/main.ts runs (default this one; e.g. a `git worktree` of an older commit).
 * `probe` = a file: preload bench/tools/probe-eld.mjs, which writes event-loop stalls there on exit.
 * `pgLock` = a file: preload bench/tools/probe-pg-lock.mjs, which writes log_head lock hold times there on SIGUSR2
 * (probeWindow() sends it; read the file after).
 */
export async function startNatter({ cpu = '0', env = {}, cpuProf = null, dbDir = null, probe = null, databaseUrl = null, preload = null, root = ROOT, pgLock = null } = {}) {
  const port = await freePort();
  const dir = dbDir ?? mkdtempSync(join(tmpdir(), 'natter-bench-'));
  const dbPath = join(dir, 'natter.db');
  const nodeArgs = ['--import', 'tsx'];
  if (cpuProf) nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${cpuProf}`);
  if (probe) nodeArgs.push('--import', join(ROOT, 'bench/tools/probe-eld.mjs'));
  if (pgLock) nodeArgs.push('--import', join(ROOT, 'bench/tools/probe-pg-lock.mjs'));
  if (preload) nodeArgs.push('--import', resolve(preload));
  nodeArgs.push('src/main.ts');
  return launch({
    what: 'natter', cpu, nodeArgs, cwd: root, upPath: '/healthz', port, dbPath, dir, dbDir, probe,
    // BENCH_SERVER_NODE_OPTIONS: node flags for the server only (e.g. a GC setting), not for the load client.
    env: { ...BENCH_ENV, ...(process.env.BENCH_SERVER_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_SERVER_NODE_OPTIONS } : {}), ...env, PORT: String(port), HOST: '127.0.0.1', DATABASE_URL: databaseUrl ?? `sqlite:${dbPath}`, ...(pgLock ? { NATTER_BENCH_PGLOCK_OUT: pgLock } : {}) },
  });
}

/**
 * A dedicated redis-server on a free port (no persistence; not the shared 6379, whose channels other test runs
 * use); resolves {port, pid, stop()}.
 */
export async function startRedis() {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (b) => (out += b));
  for (let i = 0; i < 100 && !/Ready to accept connections/.test(out); i++) await sleep(50);
  if (!/Ready to accept connections/.test(out)) { child.kill('SIGKILL'); throw new Error(`redis-server did not start:\n${out}`); }
  return { port, pid: child.pid, stop: () => new Promise((r) => { child.once('exit', r); child.kill('SIGTERM'); }) };
}

/** The default maintenance connection for benches that create their own PostgreSQL database. */
export const BENCH_PG = process.env.NATTER_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Run `sql` on a fresh connection to `url` and return its rows (CREATE/DROP DATABASE, a COUNT). */
export async function pgQuery(url, sql) {
  const { default: pg } = await import('pg');
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try { return (await c.query(sql)).rows; } finally { await c.end(); }
}

/** `url` with its database name replaced by `name`. */
export const pgDatabaseUrl = (url, name) => Object.assign(new URL(url), { pathname: `/${name}` }).toString();

/** One HTTP request on 127.0.0.1; resolves {status, body (parsed JSON or text), ms}. */
export function request({ port, method, path, body, token, agent, timeoutMs = 30000 }) {
  return new Promise((res, rej) => {
    const payload = body === undefined ? null : Buffer.from(JSON.stringify(body));
    const headers = { accept: 'application/json' };
    if (payload) { headers['content-type'] = 'application/json'; headers['content-length'] = payload.length; }
    if (token) headers.authorization = `Bearer ${token}`;
    const t0 = nowMs();
    const req = http.request({ host: '127.0.0.1', port, method, path, headers, agent: agent ?? false, timeout: timeoutMs }, (r) => {
      const chunks = [];
      r.on('data', (c) => chunks.push(c));
      r.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed = text;
        try { parsed = text ? JSON.parse(text) : null; } catch { /* keep text */ }
        res({ status: r.statusCode, body: parsed, ms: nowMs() - t0 });
      });
      r.on('error', rej);
    });
    req.on('timeout', () => req.destroy(new Error('TIMEOUT')));
    req.on('error', rej);
    req.end(payload ?? undefined);
  });
}

/** Call f on each item with at most `n` in flight. */
export async function pool(items, n, f) {
  const out = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, async () => {
    while (next < items.length) { const i = next++; out[i] = await f(items[i], i); }
  }));
  return out;
}

/** Register `n` accounts (`<prefix>0..n-1`); returns [{username, token, id}]. */
export async function makeUsers(port, n, { prefix = 'u', kind = 'register', concurrency = 8 } = {}) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const users = await pool([...Array(n).keys()], concurrency, async (i) => {
    const username = `${prefix}${i}`;
    const r = kind === 'guest'
      ? await request({ port, agent, method: 'POST', path: '/api/v1/auth/guest', body: { username } })
      : await request({ port, agent, method: 'POST', path: '/api/v1/auth/register', body: { username, password: `pw-${username}-long` } });
    if (r.status !== 201) throw new Error(`${kind} ${username}: ${r.status} ${JSON.stringify(r.body)}`);
    return { username, token: r.body.token, id: r.body.user.id };
  });
  agent.destroy();
  return users;
}

// ---- CPU accounting from /proc (ticks of 1/100 s, USER_HZ)

const HZ = 100;
/** utime+stime ticks of a pid (0 if gone); of several pids, their sum. */
function procTicks(pid) {
  if (Array.isArray(pid)) return pid.reduce((s, p) => s + procTicks(p), 0);
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]);
  } catch { return 0; }
}
/** [ns on CPU, ns waiting on a runqueue, timeslices] of a pid's main thread (summed over several pids). */
function schedstat(pid) {
  if (Array.isArray(pid)) return pid.map(schedstat).reduce((s, x) => s.map((v, i) => v + x[i]), [0, 0, 0]);
  try { return readFileSync(`/proc/${pid}/schedstat`, 'utf8').trim().split(/\s+/).map(Number); } catch { return [0, 0, 0]; }
}

/** Whole-machine busy and total ticks (all CPUs). */
function machineTicks() {
  const a = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const busy = a[0] + a[1] + a[2] + a[5] + a[6] + a[7];
  return { busy, total: busy + a[3] + a[4] };
}
/** /proc/PID/io counters (syscw = write syscalls incl. socket sends, wchar = bytes written, write_bytes = to the block layer). */
export function procIo(pid) {
  try {
    const o = {};
    for (const l of readFileSync(`/proc/${pid}/io`, 'utf8').trim().split('\n')) { const [k, v] = l.split(':'); o[k.trim()] = Number(v); }
    return o;
  } catch { return {}; }
}

/** System-wide TCP counters from /proc/net/netstat (listen-queue overflows → dropped SYNs, RTO timeouts). */
export function tcpCounters() {
  try {
    const lines = readFileSync('/proc/net/netstat', 'utf8').split('\n').filter((l) => l.startsWith('TcpExt:'));
    const h = lines[0].split(/\s+/), v = lines[1].split(/\s+/).map(Number);
    const get = (k) => v[h.indexOf(k)];
    return { listen_overflows: get('ListenOverflows'), tcp_timeouts: get('TCPTimeouts') };
  } catch { return {}; }
}

/** VmRSS of a pid in KiB. */
export function rssKiB(pid) {
  try { return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]); } catch { return 0; }
}

/**
 * Start a CPU window: returns stop() → {server_cpu_pct, client_cpu_pct, machine_busy_pct, other_cpu_pct}
 * (percent of one core; machine busy out of 100 × cores). `serverPid` may be an array (the nodes of a cluster: summed). A server started under taskset has
 * node's pid (taskset execs node).
 */
export function cpuWindow(serverPid) {
  const t0 = nowMs(), s0 = procTicks(serverPid), c0 = procTicks(process.pid), m0 = machineTicks(), q0 = schedstat(serverPid);
  return () => {
    const q1 = schedstat(serverPid);
    const secs = (nowMs() - t0) / 1000;
    const s = (procTicks(serverPid) - s0) / HZ, c = (procTicks(process.pid) - c0) / HZ, m = machineTicks();
    const cores = (m.total - m0.total) / HZ / Math.max(secs, 1e-3);
    const busy = (m.busy - m0.busy) / HZ;
    const pct = (x) => Math.round((100 * x) / Math.max(secs, 1e-3));
    return {
      window_s: +secs.toFixed(3),
      server_cpu_pct: pct(s), client_cpu_pct: pct(c),
      machine_busy_pct: pct(busy), other_cpu_pct: pct(busy - s - c), cores: +cores.toFixed(1),
      // Server main thread: time runnable but waiting for its CPU (taken by other processes),
      // and the rest of the window that it was neither running nor waiting to run (idle or
      // blocked in a syscall such as fsync/pwrite).
      server_main_runqueue_wait_ms: Math.round((q1[1] - q0[1]) / 1e6),
      server_main_off_cpu_ms: Math.round(secs * 1000 - (q1[0] - q0[0]) / 1e6 - (q1[1] - q0[1]) / 1e6),
    };
  };
}

/** Whole-machine busy % (of 100 × cores) over `ms`. */
async function busyPct(ms = 1000) {
  const a = machineTicks(); await sleep(ms); const b = machineTicks();
  return Math.round((100 * 2 * (b.busy - a.busy)) / Math.max(1, b.total - a.total));
}

/** Wait (≤ maxS s) until the machine's busy % (of 200) is below `pct`; returns the last reading. */
export async function waitQuiet({ pct = 15, maxS = 60, log = true } = {}) {
  let b = 0, t = 0;
  for (; t < maxS; t++) { b = await busyPct(1000); if (b < pct) break; }
  if (log) process.stderr.write(`   (machine busy ${b}% of 200% before start, waited ${t + 1}s)\n`);
  return { busy_before_pct: b, waited_s: t + 1 };
}

/** Percentiles of a numeric array (sorted copy), in the array's unit. */
export function percentiles(xs, ps = [50, 90, 95, 99, 99.9]) {
  const a = Float64Array.from(xs).sort();
  const out = {};
  for (const p of ps) out[`p${p}`] = a.length ? +a[Math.min(a.length - 1, Math.ceil((p / 100) * a.length) - 1)].toFixed(3) : null;
  out.max = a.length ? +a[a.length - 1].toFixed(3) : null;
  out.mean = a.length ? +(a.reduce((s, x) => s + x, 0) / a.length).toFixed(3) : null;
  return out;
}

/** Short git description of the server code measured (the checkout at `root`). */
export function gitRev(root = ROOT) {
  try {
    const rev = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', 'src'], { cwd: root, encoding: 'utf8' }).trim() ? '+dirty-src' : '';
    return rev + dirty;
  } catch { return 'unknown'; }
}

/** Tiny flag parser: --key value / --flag → {key: value|true}. */
export function flags(argv, defaults) {
  const o = { ...defaults };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) continue;
    const k = a.slice(2);
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) o[k] = true;
    else { o[k] = typeof defaults[k] === 'number' ? Number(v) : v; i++; }
  }
  return o;
}

/**
 * Run this bench script pinned to CPU `cpu` (taskset), as the load client: re-executes itself pinned and exits
 * with its status; returns at once in the pinned run, or when `cpu` is '' / true / 'none' (unpinned).
 */
export function pinSelf(cpu) {
  if (cpu === '' || cpu === true || cpu === 'none' || process.env.NATTER_BENCH_PINNED) return;
  const r = spawnSync('taskset', ['-c', String(cpu), process.execPath, ...process.argv.slice(1)], {
    stdio: 'inherit', env: { ...process.env, NATTER_BENCH_PINNED: '1' },
  });
  process.exit(r.status ?? 1);
}

/**
 * Start a reference peer from ../shared/bench/peers (a plain `node FILE` server configured by the environment
 * variables PORT and DB, e.g. post-limit.mjs) pinned with taskset to `cpu` (null = no pinning), on a fresh DB
 * file in a temp dir, with `cwd` as its working directory (post-limit.mjs resolves better-sqlite3 from there, so
 * the default is this checkout). `probe` = a file: preload bench/tools/probe-eld.mjs as for Natter. Resolves when
 * the port answers HTTP (any status: the peers have no /healthz). The handle has the same members as
 * startNatter's: port, pid, dbPath, dir, output(), stop(), kill(), exited(), probeWindow().
 */
export async function startPeer({ file, cpu = '0', cwd = ROOT, dbDir = null, dbName = 'peer.db', probe = null, env = {} } = {}) {
  const port = await freePort();
  const dir = dbDir ?? mkdtempSync(join(tmpdir(), 'peer-bench-'));
  const dbPath = join(dir, dbName);
  const nodeArgs = [];
  if (probe) nodeArgs.push('--import', join(ROOT, 'bench/tools/probe-eld.mjs'));
  nodeArgs.push(resolve(file));
  // Any HTTP answer means up: the peers have no /healthz.
  return launch({ what: `peer ${file}`, cpu, nodeArgs, cwd, upPath: '/', anyStatus: true, port, dbPath, dir, dbDir, probe, env: { ...env, PORT: String(port), DB: dbPath } });
}

/**
 * Spawn `node nodeArgs…` (pinned with taskset to `cpu`, null = unpinned) and wait until `upPath` answers 200 (any
 * status with `anyStatus`). The handle: port, pid, dbPath, dir, output(), stop() (SIGTERM, graceful: flushes
 * --cpu-prof; SIGKILL after `graceMs`), kill() (SIGKILL and wait), exited(), probeWindow() (with `probe`: the
 * event-loop stalls of the window).
 */
async function launch({ what, cpu, nodeArgs, cwd, upPath, anyStatus = false, port, dbPath, dir, dbDir, probe, env }) {
  const cmd = cpu === null ? process.execPath : 'taskset';
  const args = cpu === null ? nodeArgs : ['-c', String(cpu), process.execPath, ...nodeArgs];
  let out = '';
  const child = spawn(cmd, args, { cwd, env: { ...process.env, ...env, ...(probe ? { NATTER_BENCH_PROBE_OUT: probe } : {}) }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', (b) => { out = (out + b).slice(-20000); });
  child.stderr.on('data', (b) => { out = (out + b).slice(-20000); });
  const exited = new Promise((r) => child.once('exit', (code, sig) => r({ code, sig })));
  let up = false;
  for (let i = 0; i < 300 && !up; i++) {
    if (child.exitCode !== null) throw new Error(`${what} exited (${child.exitCode}) before listening:\n${out}`);
    await sleep(100);
    up = await request({ port, method: 'GET', path: upPath }).then((r) => anyStatus || r.status === 200, () => false);
  }
  if (!up) { child.kill('SIGKILL'); throw new Error(`${what} did not come up on ${port}:\n${out}`); }
  return {
    port, pid: child.pid, dbPath, dir,
    output: () => out,
    async stop(graceMs = 10000) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(t);
      }
      if (!dbDir) rmSync(dir, { recursive: true, force: true });
    },
    async exited() { return exited; },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) { child.kill('SIGKILL'); await exited; }
    },
    async probeWindow() {
      if (!probe) return null;
      process.kill(child.pid, 'SIGUSR2');
      await sleep(150);
      try { return JSON.parse(readFileSync(probe, 'utf8').trim().split('\n').at(-1)); } catch { return null; }
    },
  };
}

/** Register `n` users on a peer with one `POST /register` each (→ {"token"}); returns [{username, token}]. */
export async function makePeerUsers(port, n, { prefix = 'u', concurrency = 8 } = {}) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const users = await pool([...Array(n).keys()], concurrency, async (i) => {
    const r = await request({ port, agent, method: 'POST', path: '/register', body: {} });
    if (r.status !== 201 || typeof r.body?.token !== 'string') throw new Error(`peer register ${i}: ${r.status} ${JSON.stringify(r.body)}`);
    return { username: `${prefix}${i}`, token: r.body.token };
  });
  agent.destroy();
  return users;
}
