#!/usr/bin/env node
// bench/post.mjs — POST /api/v1/rooms/:room/messages throughput and latency on the
// default SQLite store (issue 3, "Benchmark"). Per repetition: a fresh server process
// (taskset -c 0, fresh SQLite file, every limit off), many users in many rooms, then
//   max:   C concurrent keep-alive clients post as fast as answered for D s → durable msg/s
//   paced: open-loop schedule at R msg/s for D s → latency p50/p95/p99/max, measured from
//          the *scheduled* send time (no coordinated omission) and from the actual send.
// After each repetition the server is killed (SIGKILL; SIGTERM with --prof) and the SQLite
// file is opened to check that every 201 is a stored message (the "durable" in durable msg/s).
// One JSON line per mode per repetition → --out (default bench/results/post.jsonl).
// The client re-executes itself under `taskset -c 1` (--client-cpu '' to disable).
// --target natter,peer also drives the post-limit peer (../shared/bench/peers/post-limit.mjs: node:http,
// one INSERT per message, group commit per tick) with the same client, users, texts and accounting,
// interleaved per repetition (natter, peer, natter, peer …), and prints natter ÷ peer (issue 17).
// --target natter,pg,pg2 (issue 17 target 2): natter = SQLite; pg = one node on PostgreSQL, pg2 = two nodes on the
// same database, both pinned to --server-cpu, the load client spreading users over them (each user sticks to one
// node). Each pg repetition gets a fresh database natter_bench_<pid>_<rep>_<target> on --pg's server (dropped after)
// and its own redis-server (REDIS_URL, cluster mode, for pg too); the durable check counts the database's messages.
// PostgreSQL nodes run with bench/tools/probe-pg-lock.mjs: how long each commit held the log_head row lock.
//
//   node bench/post.mjs                         # 1 rep: max (32 clients, 10 s) + paced (1000/s, 15 s)
//   node bench/post.mjs --reps 3 --label final
//   node bench/post.mjs --mode paced --rate 2000 --paced-s 10
//   node bench/post.mjs --prof /tmp/prof         # server runs with --cpu-prof (profile on exit)
//   node bench/post.mjs --target natter,peer --reps 3 --label peer-ab --out bench/results/post-peer.jsonl
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import http from 'node:http';
import { dirname, join, relative, resolve } from 'node:path';
import Database from 'better-sqlite3';
import {
  ROOT, cpuWindow, flags, gitRev, makeUsers, nowMs, percentiles, pool, procIo, request, rssKiB, sleep, startNatter, tcpCounters, waitQuiet, pinSelf,
  makePeerUsers, startPeer, startRedis, BENCH_PG, pgQuery, pgDatabaseUrl,
} from './lib.mjs';

const o = flags(process.argv.slice(2), {
  mode: 'both', reps: 1, users: 200, rooms: 50, 'rooms-per-user': 5, clients: 32, 'max-s': 10, 'warmup-s': 3,
  rate: 1000, 'paced-s': 15, 'client-id': 1, label: 'post', out: join(ROOT, 'bench/results/post.jsonl'),
  'server-cpu': '0', 'client-cpu': '1', prof: '', quiet: false, 'quiet-pct': 15, 'quiet-max': 60, 'user-kind': 'register', preload: '',
  'server-root': ROOT, target: 'natter', 'peer-path': resolve(ROOT, '../shared/bench/peers/post-limit.mjs'),
  pg: BENCH_PG,
});
if (o.help) {
  console.log(`usage: node bench/post.mjs [--mode both|max|paced] [--reps N] [--users 200] [--rooms 50]
  [--rooms-per-user 5] [--clients 32] [--max-s 10] [--warmup-s 3] [--rate 1000] [--paced-s 15]
  [--client-id 1] (fraction of posts with a client_id, as the web client sends) [--label L] [--out FILE]
  [--server-cpu 0|none] [--client-cpu 1|none] [--prof DIR] [--user-kind register|guest] [--quiet-pct 15] [--quiet-max 60]
  [--server-root DIR] (run that checkout's src/main.ts, e.g. a git worktree of an older commit)
  [--target natter|peer|natter,peer] (peer = the post-limit peer, same load; both: interleaved per rep + natter÷peer)
  [--peer-path FILE] (default ../shared/bench/peers/post-limit.mjs, run with cwd = this checkout)
  [--target natter,pg,pg2] (natter = SQLite; pg / pg2 = one / two nodes on a fresh PostgreSQL database + redis-server,
  interleaved per rep; prints pg ÷ natter, pg2 ÷ pg and the log_head lock hold times) [--pg URL] (maintenance
  connection, default $NATTER_BENCH_PG or postgres://postgres@127.0.0.1:5432/test)`);
  process.exit(0);
}
const TARGETS = String(o.target).split(',').map((t) => t.trim()).filter(Boolean);
const PG_NODES = { pg: 1, pg2: 2 };
if (!TARGETS.length || TARGETS.some((t) => t !== 'natter' && t !== 'peer' && !PG_NODES[t])) { console.error(`--target: a list of natter, peer, pg, pg2 (got ${o.target})`); process.exit(2); }
const PEER_PATH = resolve(String(o['peer-path']));
if (TARGETS.includes('peer') && !existsSync(PEER_PATH)) { console.error(`--peer-path: ${PEER_PATH} not found`); process.exit(2); }

// Re-run pinned to the client CPU (the server gets the other one).
// `--server-cpu none` / `--client-cpu none` (or '') leave that process unpinned.
const unpinned = (v) => v === '' || v === true || v === 'none';
pinSelf(o['client-cpu']);

const log = (s) => { if (!o.quiet) process.stderr.write(`${s}\n`); };

// ---- realistic message texts (deterministic PRNG so runs are comparable)
let seed = 0x2545f491;
const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
const pick = (a) => a[Math.floor(rnd() * a.length)];
const WORDS = ('the a to and of is it in that for on we you this deploy build fix test release merge review ' +
  'branch PR issue ticket meeting lunch today tomorrow yes no maybe thanks ok sure could would should please ' +
  'server client stream latency cache database query index migration rollback staging prod alert on-call ' +
  'café naïve über résumé déjà-vu 👍 🎉 🚀 😅 ✅ ❤️ 中文 日本語 ещё').split(' ');
/** Length mix: 60 % 20–120 chars, 30 % 120–400, 8 % 400–1000, 2 % 1000–4000 (code points). */
function textOfLength() {
  const r = rnd();
  const n = r < 0.6 ? 20 + rnd() * 100 : r < 0.9 ? 120 + rnd() * 280 : r < 0.98 ? 400 + rnd() * 600 : 1000 + rnd() * 3000;
  let s = '';
  while ([...s].length < n) s += (s ? (rnd() < 0.08 ? '\n' : ' ') : '') + pick(WORDS);
  return [...s].slice(0, Math.floor(n)).join('').trim() || 'ok';
}
const TEXTS = Array.from({ length: 4000 }, textOfLength);
const textBytes = TEXTS.map((t) => Buffer.byteLength(t));

// ---- setup: users, rooms, memberships
async function setup(port) {
  let t = nowMs();
  const users = await makeUsers(port, o.users, { prefix: 'poster', kind: o['user-kind'] });
  log(`  ${users.length} users (${o['user-kind']}) in ${((nowMs() - t) / 1000).toFixed(1)} s`);
  t = nowMs();
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const rooms = roomNames();
  await pool(rooms, 16, async (name, i) => {
    const r = await request({ port, agent, method: 'POST', path: '/api/v1/rooms', token: users[i % users.length].token, body: { name, topic: `topic ${i}`, visibility: 'public' } });
    if (r.status !== 201) throw new Error(`create ${name}: ${r.status} ${JSON.stringify(r.body)}`);
  });
  const joins = assignRooms(users, rooms);
  await pool(joins, 16, async ([u, name]) => {
    const r = await request({ port, agent, method: 'POST', path: `/api/v1/rooms/${name}/join`, token: u.token });
    if (r.status !== 200) throw new Error(`join ${name}: ${r.status}`);
  });
  agent.destroy();
  log(`  ${rooms.length} rooms, ${joins.length} joins in ${((nowMs() - t) / 1000).toFixed(1)} s`);
  return users;
}

const roomNames = () => [...Array(o.rooms).keys()].map((i) => `room-${i}`);
/** Each user: the owner's room (if any), `general`, and rooms-per-user random others; returns the joins needed. */
function assignRooms(users, rooms) {
  const joins = [];
  for (const [ui, u] of users.entries()) {
    u.rooms = new Set(['general']);
    if (ui < rooms.length) u.rooms.add(rooms[ui]);
    while (u.rooms.size < Math.min(o['rooms-per-user'] + 1, rooms.length + 1)) {
      const name = pick(rooms);
      if (!u.rooms.has(name)) { u.rooms.add(name); if (!(ui < rooms.length && name === rooms[ui])) joins.push([u, name]); }
    }
    u.rooms = [...u.rooms];
  }
  return joins;
}

/** The peer: the same number of users (one POST /register each) and the same room sets; it has no rooms
 *  to create or join, the names only appear in the URL. */
async function setupPeer(port) {
  const t = nowMs();
  const users = await makePeerUsers(port, o.users, { prefix: 'poster' });
  assignRooms(users, roomNames());
  log(`  ${users.length} users (peer /register) in ${((nowMs() - t) / 1000).toFixed(1)} s`);
  return users;
}

// ---- one POST on a keep-alive agent
let cidSeq = 0;
const runId = Math.random().toString(36).slice(2, 8);
function post(ports, agent, users, prefix = '/api/v1') {
  const ui = Math.floor(rnd() * users.length);
  const u = users[ui];
  const port = ports[ui % ports.length];
  const room = u.rooms[Math.floor(rnd() * u.rooms.length)];
  const ti = Math.floor(rnd() * TEXTS.length);
  const body = rnd() < o['client-id'] ? { text: TEXTS[ti], client_id: `${runId}-${++cidSeq}` } : { text: TEXTS[ti] };
  const payload = Buffer.from(JSON.stringify(body));
  return new Promise((res) => {
    const t0 = nowMs();
    const req = http.request({
      host: '127.0.0.1', port, method: 'POST', path: `${prefix}/rooms/${room}/messages`, agent,
      headers: { 'content-type': 'application/json', 'content-length': payload.length, authorization: `Bearer ${u.token}` },
    }, (r) => {
      r.resume();
      r.on('end', () => res({ status: r.statusCode, ms: nowMs() - t0, t0, bytes: textBytes[ti] }));
      r.on('error', () => res({ status: 'RES_ERR', ms: nowMs() - t0, t0, bytes: 0 }));
    });
    req.setTimeout(30000, () => req.destroy(new Error('TIMEOUT')));
    req.on('error', (e) => res({ status: e.code ?? e.message, ms: nowMs() - t0, t0, bytes: 0 }));
    req.end(payload);
  });
}

const stats = { created: 0 };
const count = (r, codes) => {
  if (r.status === 201) stats.created++;
  else codes[r.status] = (codes[r.status] ?? 0) + 1;
};

/** Closed loop: `clients` workers, each posting back-to-back for `secs` s. */
async function maxRun(ports, users, clients, secs, prefix) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
  const lat = [], codes = {};
  let ok = 0, bytes = 0;
  const end = nowMs() + secs * 1000;
  const t0 = nowMs();
  await Promise.all(Array.from({ length: clients }, async () => {
    while (nowMs() < end) {
      const r = await post(ports, agent, users, prefix);
      count(r, codes);
      if (r.status === 201) { ok++; lat.push(r.ms); bytes += r.bytes; }
    }
  }));
  const window = (nowMs() - t0) / 1000;
  agent.destroy();
  return { ok, codes, window, lat, bytes };
}

/** Open loop at `rate`/s for `secs` s; latency from the scheduled time and from the actual send. */
async function pacedRun(ports, users, rate, secs, prefix) {
  // One keep-alive connection per user at most, as 200 browsers would hold: when the server
  // falls behind, requests queue in the client (counted in latency_ms, which runs from the
  // schedule) instead of opening hundreds of new connections into the listen backlog.
  const agent = new http.Agent({ keepAlive: true, maxSockets: users.length });
  const total = Math.round(rate * secs);
  const latSched = [], latSend = [], lateMs = [], codes = {}, slow = [];
  let ok = 0, sent = 0, bytes = 0;
  const inflight = new Set();
  const t0 = nowMs() + 20;
  while (sent < total) {
    const now = nowMs();
    const due = Math.min(total, Math.floor((now - t0) * rate / 1000) + 1);
    for (; sent < due; sent++) {
      const sched = t0 + (sent * 1000) / rate;
      lateMs.push(nowMs() - sched);
      const p = post(ports, agent, users, prefix).then((r) => {
        count(r, codes);
        if (r.status === 201) { ok++; latSend.push(r.ms); latSched.push(r.t0 + r.ms - sched); bytes += r.bytes; }
        if (r.ms >= 20) slow.push([Date.now() - Math.round(r.ms), Math.round(r.ms)]);
        inflight.delete(p);
      });
      inflight.add(p);
    }
    // Timer sleep, no busy-wait: a spinning client would push other processes onto the
    // server's core. Sends are late by up to ~1 ms (timer granularity); latency_ms counts
    // that lateness (measured from the schedule), latency_from_send_ms does not.
    const wait = t0 + (sent * 1000) / rate - nowMs();
    await sleep(Math.max(0, Math.floor(wait)));
  }
  await Promise.all(inflight);
  const window = (nowMs() - t0) / 1000;
  agent.destroy();
  // The slowest requests with their wall-clock send time (epoch ms), to line up with the
  // server's event-loop stalls (server_event_loop.worst_stalls, same clock).
  slow.sort((a, b) => b[1] - a[1]);
  return { ok, codes, window, latSched, latSend, lateMs, total, bytes, slow: { over_20ms: slow.length, worst: slow.slice(0, 8) } };
}

function countStored(dbPath) {
  // Read-write open so SQLite can recover the WAL a killed server left behind.
  const db = new Database(dbPath, { fileMustExist: true });
  try { return db.prepare('SELECT COUNT(*) AS n FROM messages').get().n; } finally { db.close(); }
}

/**
 * `n` Natter nodes on a fresh PostgreSQL database and a fresh redis-server, every node pinned to `cpu`, each with the
 * event-loop probe and the log_head lock probe. The handle looks like startNatter's (pid: all the nodes' pids, for
 * cpuWindow; port: the first node's, for setup) plus ports, nodes, lockWindow() (the lock probes' lines of the window
 * since the last probeWindow()), stored() (messages in the database), and drop() (the database and Redis).
 */
async function startPgCluster(n, name, dir, cpu) {
  const dbName = `natter_bench_${process.pid}_${name}`.replace(/[^a-z0-9_]/g, '_');
  await pgQuery(o.pg, `CREATE DATABASE ${dbName}`);
  const databaseUrl = pgDatabaseUrl(o.pg, dbName);
  const redis = await startRedis();
  const nodes = [];
  const drop = async () => {
    await redis.stop().catch(() => {});
    await pgQuery(o.pg, `DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch((e) => log(`drop ${dbName}: ${e.message}`));
  };
  try {
    for (let i = 0; i < n; i++) {
      // One at a time: the first migrates, the next finds the schema in place.
      nodes.push(await startNatter({
        cpu, databaseUrl, env: { REDIS_URL: `redis://127.0.0.1:${redis.port}` }, cpuProf: o.prof ? join(o.prof, `${name}-node${i}`) : null,
        dbDir: dir, probe: join(dir, `probe-${i}.jsonl`), pgLock: join(dir, `pglock-${i}.jsonl`), preload: o.preload || null, root: o['server-root'],
      }));
    }
  } catch (err) {
    for (const s of nodes) await s.kill().catch(() => {});
    await drop();
    throw err;
  }
  const lastLine = (f) => { try { return JSON.parse(readFileSync(f, 'utf8').trim().split('\n').at(-1)); } catch { return null; } };
  return {
    nodes, pid: nodes.map((s) => s.pid), port: nodes[0].port, ports: nodes.map((s) => s.port), dbPath: dbName,
    async probeWindow() { const w = await Promise.all(nodes.map((s) => s.probeWindow())); return w[0] && { ...w[0], nodes: w }; },
    lockWindow: () => nodes.map((_, i) => lastLine(join(dir, `pglock-${i}.jsonl`))),
    async stop(ms) { await Promise.all(nodes.map((s) => s.stop(ms))); },
    async kill() { await Promise.all(nodes.map((s) => s.kill())); },
    stored: async () => Number((await pgQuery(databaseUrl, 'SELECT COUNT(*) AS n FROM messages'))[0].n),
    drop,
  };
}

/** The lock probes' lines of one window, and the hold time over all nodes (weighted by holds). */
function lockSummary(lines) {
  const ok = lines.filter(Boolean);
  if (!ok.length) return {};
  const holds = ok.reduce((s, l) => s + l.holds, 0);
  return {
    log_head_lock: {
      holds, positions: ok.reduce((s, l) => s + l.positions, 0),
      positions_per_hold: holds ? round(ok.reduce((s, l) => s + l.positions, 0) / holds, 2) : null,
      held_fraction_sum: round(ok.reduce((s, l) => s + l.held_fraction, 0), 3),
      hold_ms_mean: holds ? round(ok.reduce((s, l) => s + l.hold_ms.mean * l.holds, 0) / holds, 3) : null,
      nodes: ok,
    },
  };
}

const round = (x, d = 1) => +x.toFixed(d);
const emitted = [];
function emit(line) {
  emitted.push(line);
  mkdirSync(dirname(o.out), { recursive: true });
  appendFileSync(o.out, JSON.stringify(line) + '\n');
  process.stdout.write(JSON.stringify(line) + '\n');
}

const peerSha = TARGETS.includes('peer') ? createHash('sha256').update(readFileSync(PEER_PATH)).digest('hex').slice(0, 12) : null;

/** One repetition of one target: a fresh server (Natter or the peer), setup, max and/or paced, kill -9, durable check. */
async function rep(r, target) {
  const isPeer = target === 'peer';
  // Label "<label>/<rep>" as before when only Natter runs; "<label>/<target>/<rep>" otherwise (summarize.mjs: one row per target).
  const label = TARGETS.length === 1 && target === 'natter' ? `${o.label}/${r}` : `${o.label}/${target}/${r}`;
  const common = {
    bench: 'post', label, target, ...(isPeer ? { peer_path: relative(ROOT, PEER_PATH), peer_sha256: peerSha } : {}),
    ...(o.preload && !isPeer ? { preload: o.preload } : {}), time: new Date().toISOString(), rev: gitRev(o['server-root']), node: process.version, server_cpu_pin: unpinned(o['server-cpu']) ? null : String(o['server-cpu']), client_cpu_pin: unpinned(o['client-cpu']) ? null : String(o['client-cpu']),
    users: o.users, rooms: o.rooms, rooms_per_user: o['rooms-per-user'], client_id_fraction: o['client-id'],
    text_bytes_mean: round(textBytes.reduce((s, x) => s + x, 0) / textBytes.length),
    text_bytes_p99: percentiles(textBytes, [99]).p99,
  };
  const nodes = PG_NODES[target] ?? 1;
  if (PG_NODES[target]) Object.assign(common, { store: 'postgres', nodes });
  else if (!isPeer) common.store = 'sqlite';
  log(`== rep ${r}: starting ${isPeer ? `peer ${relative(ROOT, PEER_PATH)}` : target} (cpu ${o['server-cpu']})`);
  const dir = mkdtempSync(join(tmpdir(), isPeer ? 'peer-post-' : 'natter-post-'));
  const cpuPin = unpinned(o['server-cpu']) ? null : o['server-cpu'];
  // The peer resolves better-sqlite3 from its working directory: this checkout (ROOT).
  const srv = isPeer
    ? await startPeer({ file: PEER_PATH, cpu: cpuPin, cwd: ROOT, dbDir: dir, dbName: 'post-limit.db', probe: join(dir, 'probe.jsonl') })
    : PG_NODES[target] ? await startPgCluster(nodes, `${r}_${target}`, dir, cpuPin)
    : await startNatter({ cpu: cpuPin, cpuProf: o.prof || null, dbDir: dir, probe: join(dir, 'probe.jsonl'), preload: o.preload || null, root: o['server-root'] });
  const prefix = isPeer ? '' : '/api/v1';
  const ports = srv.ports ?? [srv.port];
  // RSS and /proc/PID/io: of the first node when there are two.
  const pid0 = srv.nodes ? srv.nodes[0].pid : srv.pid;
  log(`  server pid ${srv.pid}, port ${ports.join(',')}, db ${srv.dbPath}`);
  const probe = async () => {
    const p = await srv.probeWindow();
    if (!p) return {};
    delete p.at;
    return { server_event_loop: p, ...(srv.lockWindow ? lockSummary(srv.lockWindow()) : {}) };
  };
  const lines = [];
  try {
    const users = isPeer ? await setupPeer(srv.port) : await setup(srv.port);
    if (o.mode === 'both' || o.mode === 'max') {
      log(`  warm-up ${o['warmup-s']} s`);
      await maxRun(ports, users, o.clients, o['warmup-s'], prefix);
      const q = await waitQuiet({ pct: o['quiet-pct'], maxS: o['quiet-max'], log: !o.quiet });
      const rss0 = rssKiB(pid0);
      await probe();
      const io0 = procIo(pid0);
      const win = cpuWindow(srv.pid);
      const m = await maxRun(ports, users, o.clients, o['max-s'], prefix);
      const cpu = win();
      const io1 = procIo(pid0);
      const per = (k) => +((io1[k] - io0[k]) / Math.max(1, m.ok)).toFixed(2);
      const eld = await probe();
      const line = {
        ...common, mode: 'max', clients: o.clients, duration_s: o['max-s'], created: m.ok, errors: m.codes,
        msgs_per_s: Math.round(m.ok / m.window), text_kib_per_s: Math.round(m.bytes / 1024 / m.window),
        latency_ms: percentiles(m.lat), ...cpu,
        server_us_per_msg: round((cpu.server_cpu_pct / 100) * cpu.window_s * 1e6 / Math.max(1, m.ok)),
        client_us_per_msg: round((cpu.client_cpu_pct / 100) * cpu.window_s * 1e6 / Math.max(1, m.ok)),
        server_rss_kib_before: rss0, server_rss_kib_end: rssKiB(pid0), ...eld, ...q,
        // Per 201: write syscalls (SQLite WAL pwrite + fsync-less socket sends), bytes written, bytes to disk.
        server_write_syscalls_per_msg: per('syscw'), server_wchar_per_msg: per('wchar'), server_disk_bytes_per_msg: per('write_bytes'),
      };
      lines.push(line);
    }
    if (o.mode === 'both' || o.mode === 'paced') {
      if (o.mode === 'paced') { log(`  warm-up ${o['warmup-s']} s`); await maxRun(ports, users, o.clients, o['warmup-s'], prefix); }
      const q = await waitQuiet({ pct: o['quiet-pct'], maxS: o['quiet-max'], log: !o.quiet });
      await probe();
      const tcp0 = tcpCounters();
      const win = cpuWindow(srv.pid);
      const p = await pacedRun(ports, users, o.rate, o['paced-s'], prefix);
      const cpu = win();
      const eld = await probe();
      const tcp1 = tcpCounters();
      lines.push({
        ...common, mode: 'paced', rate_offered: o.rate, duration_s: o['paced-s'], offered: p.total, created: p.ok, errors: p.codes,
        rate_achieved: Math.round(p.ok / p.window),
        latency_ms: percentiles(p.latSched), latency_from_send_ms: percentiles(p.latSend),
        client_send_lateness_ms: percentiles(p.lateMs, [50, 99]), slowest_requests: p.slow, ...cpu, ...eld, ...q,
        server_us_per_msg: round((cpu.server_cpu_pct / 100) * cpu.window_s * 1e6 / Math.max(1, p.ok)),
        system_tcp: { listen_overflows: tcp1.listen_overflows - tcp0.listen_overflows, timeouts: tcp1.tcp_timeouts - tcp0.tcp_timeouts },
      });
    }
  } finally {
    // kill -9 unless profiling (the profile is written on a graceful exit): what was answered
    // 201 must already be committed, nothing may depend on a shutdown flush.
    // The peer has no graceful shutdown (and no profile): always SIGKILL.
    if (o.prof && !isPeer) await srv.stop(20000).catch(() => {});
    else await srv.kill().catch(() => {});
  }
  // Durable: every 201 of this repetition (warm-up included) is a row in the file the server left.
  const stored = srv.stored ? await srv.stored().finally(() => srv.drop()) : countStored(srv.dbPath);
  rmSync(dir, { recursive: true, force: true });
  const durable = { created_total: stats.created, stored_total: stored, durable_ok: stored === stats.created, server_stop: o.prof && !isPeer ? 'SIGTERM' : 'SIGKILL' };
  log(`  durable check: ${stats.created} answered 201, ${stored} rows stored → ${durable.durable_ok ? 'ok' : 'MISMATCH'}`);
  for (const l of lines) emit({ ...l, ...durable });
  if (!durable.durable_ok) throw new Error('durable check failed');
}

const med = (xs) => { const a = xs.filter((x) => Number.isFinite(x)).sort((x, y) => x - y); return a.length ? (a.length % 2 ? a[(a.length - 1) / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2) : NaN; };
/** With both targets: natter ÷ peer of the max-mode medians (and per rep), paced latencies side by side. */
function compare() {
  const of = (t, mode) => emitted.filter((l) => l.target === t && l.mode === mode);
  const fx = (x, d = 0) => (Number.isFinite(x) ? x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d }) : '–');
  const out = [`== ${o.label}: natter vs peer (${relative(ROOT, PEER_PATH)}), medians over ${o.reps} rep(s), same client`];
  const repOf = (l) => l.label.split('/').at(-1);
  const nm = of('natter', 'max'), pm = of('peer', 'max');
  if (nm.length && pm.length) {
    const byRep = new Map(pm.map((l) => [repOf(l), l.msgs_per_s]));
    const per = nm.filter((l) => byRep.has(repOf(l))).map((l) => l.msgs_per_s / byRep.get(repOf(l)));
    const a = med(nm.map((l) => l.msgs_per_s)), b = med(pm.map((l) => l.msgs_per_s));
    out.push(`max (${o.clients} clients × ${o['max-s']} s): natter ${fx(a)} msg/s, peer ${fx(b)} msg/s → natter ÷ peer ${fx(a / b, 3)}× (per rep: ${per.map((x) => fx(x, 3)).join(', ')})`);
    out.push(`  server µs CPU / msg: natter ${fx(med(nm.map((l) => l.server_us_per_msg)), 1)}, peer ${fx(med(pm.map((l) => l.server_us_per_msg)), 1)};  p99 ms: natter ${fx(med(nm.map((l) => l.latency_ms.p99)), 1)}, peer ${fx(med(pm.map((l) => l.latency_ms.p99)), 1)};  other CPU %: natter ${nm.map((l) => l.other_cpu_pct).join('/')}, peer ${pm.map((l) => l.other_cpu_pct).join('/')}`);
  }
  const np = of('natter', 'paced'), pp = of('peer', 'paced');
  if (np.length && pp.length) {
    const L = (R, q) => fx(med(R.map((l) => l.latency_ms[q])), 2);
    out.push(`paced ${fx(o.rate)} msg/s × ${o['paced-s']} s, latency from the schedule p50 / p95 / p99 / max ms:`);
    for (const [t, R] of [['natter', np], ['peer', pp]]) {
      out.push(`  ${t.padEnd(6)} ${L(R, 'p50')} / ${L(R, 'p95')} / ${L(R, 'p99')} / ${L(R, 'max')}  (p99 per rep: ${R.map((l) => fx(l.latency_ms.p99, 2)).join(', ')}; achieved ${fx(med(R.map((l) => l.rate_achieved)))} msg/s; server µs CPU / msg ${fx(med(R.map((l) => l.server_us_per_msg)), 1)}; other CPU % ${R.map((l) => l.other_cpu_pct).join('/')})`);
    }
  }
  const dur = (t) => { const R = emitted.filter((l) => l.target === t); return `${t} ${R.every((l) => l.durable_ok) ? 'ok' : 'FAILED'}`; };
  out.push(`durable (kill -9, every 201 a row): ${TARGETS.map(dur).join(', ')}`);
  process.stderr.write(out.join('\n') + '\n');
}

/** With pg targets: per target the median max msg/s, p99 and lock figures; pg ÷ natter and pg2 ÷ pg per rep and of the medians. */
function comparePg() {
  const fx = (x, d = 0) => (Number.isFinite(x) ? x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d }) : '–');
  const repOf = (l) => l.label.split('/').at(-1);
  const out = [`== ${o.label}: SQLite (natter) vs PostgreSQL one node (pg) and two nodes (pg2), medians over ${o.reps} rep(s), rev ${gitRev(o['server-root'])}`];
  for (const mode of ['max', 'paced']) {
    const of = (t) => emitted.filter((l) => l.target === t && l.mode === mode);
    const k = mode === 'max' ? 'msgs_per_s' : 'rate_achieved';
    for (const t of TARGETS) {
      const R = of(t);
      if (!R.length) continue;
      const lock = R.map((l) => l.log_head_lock).filter(Boolean);
      const lk = lock.length ? `; lock hold mean ${fx(med(lock.map((x) => x.hold_ms_mean)), 3)} ms, p99 ${lock.map((x) => x.nodes.map((n) => fx(n.hold_ms.p99, 2)).join('+')).join(', ')} ms, positions/hold ${fx(med(lock.map((x) => x.positions_per_hold)), 2)}, held ${fx(med(lock.map((x) => x.held_fraction_sum)) * 100, 1)} % of the window` : '';
      out.push(`${mode} ${t.padEnd(6)} ${fx(med(R.map((l) => l[k])))} msg/s (per rep ${R.map((l) => fx(l[k])).join(', ')}), p99 ${fx(med(R.map((l) => l.latency_ms.p99)), 1)} ms, server µs CPU/msg ${fx(med(R.map((l) => l.server_us_per_msg)), 1)}, other CPU % ${R.map((l) => l.other_cpu_pct).join('/')}${lk}`);
    }
    const ratio = (a, b) => {
      const A = of(a), B = new Map(of(b).map((l) => [repOf(l), l[k]]));
      if (!A.length || !B.size) return;
      const per = A.filter((l) => B.has(repOf(l))).map((l) => l[k] / B.get(repOf(l)));
      out.push(`${mode} ${a} ÷ ${b}: ${fx(med(A.map((l) => l[k])) / med([...B.values()]), 3)}× (per rep ${per.map((x) => fx(x, 3)).join(', ')})`);
    };
    ratio('pg', 'natter');
    ratio('pg2', 'pg');
    ratio('pg2', 'natter');
  }
  const dur = (t) => { const R = emitted.filter((l) => l.target === t); return `${t} ${R.every((l) => l.durable_ok) ? 'ok' : 'FAILED'}`; };
  out.push(`durable (kill -9, every 201 a row): ${TARGETS.map(dur).join(', ')}`);
  process.stderr.write(out.join('\n') + '\n');
}

let failed = false;
for (let r = 1; r <= o.reps; r++) {
  // Every target of a repetition draws the same users, rooms, texts and client_id choices (the PRNG is
  // rewound to the rep's start; with one target this changes nothing).
  const seed0 = seed;
  for (const target of TARGETS) {
    seed = seed0;
    stats.created = 0;
    await rep(r, target).catch((e) => { failed = true; console.error(e); });
  }
}
if (TARGETS.includes('peer') && TARGETS.length > 1) compare();
if (TARGETS.some((t) => PG_NODES[t])) comparePg();
process.exit(failed ? 1 : 0);
