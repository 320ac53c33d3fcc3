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
//
//   node bench/post.mjs                         # 1 rep: max (32 clients, 10 s) + paced (1000/s, 15 s)
//   node bench/post.mjs --reps 3 --label final
//   node bench/post.mjs --mode paced --rate 2000 --paced-s 10
//   node bench/post.mjs --prof /tmp/prof         # server runs with --cpu-prof (profile on exit)
import { appendFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import http from 'node:http';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import {
  ROOT, cpuWindow, flags, gitRev, makeUsers, nowMs, percentiles, pool, procIo, request, rssKiB, sleep, startNatter, tcpCounters, waitQuiet, pinSelf
} from './lib.mjs';

const o = flags(process.argv.slice(2), {
  mode: 'both', reps: 1, users: 200, rooms: 50, 'rooms-per-user': 5, clients: 32, 'max-s': 10, 'warmup-s': 3,
  rate: 1000, 'paced-s': 15, 'client-id': 1, label: 'post', out: join(ROOT, 'bench/results/post.jsonl'),
  'server-cpu': '0', 'client-cpu': '1', prof: '', quiet: false, 'quiet-pct': 15, 'quiet-max': 60, 'user-kind': 'register', preload: '',
  'server-root': ROOT,
});
if (o.help) {
  console.log(`usage: node bench/post.mjs [--mode both|max|paced] [--reps N] [--users 200] [--rooms 50]
  [--rooms-per-user 5] [--clients 32] [--max-s 10] [--warmup-s 3] [--rate 1000] [--paced-s 15]
  [--client-id 1] (fraction of posts with a client_id, as the web client sends) [--label L] [--out FILE]
  [--server-cpu 0|none] [--client-cpu 1|none] [--prof DIR] [--user-kind register|guest] [--quiet-pct 15] [--quiet-max 60]
  [--server-root DIR] (run that checkout's src/main.ts, e.g. a git worktree of an older commit)`);
  process.exit(0);
}

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
  const rooms = [...Array(o.rooms).keys()].map((i) => `room-${i}`);
  await pool(rooms, 16, async (name, i) => {
    const r = await request({ port, agent, method: 'POST', path: '/api/v1/rooms', token: users[i % users.length].token, body: { name, topic: `topic ${i}`, visibility: 'public' } });
    if (r.status !== 201) throw new Error(`create ${name}: ${r.status} ${JSON.stringify(r.body)}`);
  });
  // Each user: the owner's room (if any), `general`, and rooms-per-user random others.
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
  await pool(joins, 16, async ([u, name]) => {
    const r = await request({ port, agent, method: 'POST', path: `/api/v1/rooms/${name}/join`, token: u.token });
    if (r.status !== 200) throw new Error(`join ${name}: ${r.status}`);
  });
  agent.destroy();
  log(`  ${rooms.length} rooms, ${joins.length} joins in ${((nowMs() - t) / 1000).toFixed(1)} s`);
  return users;
}

// ---- one POST on a keep-alive agent
let cidSeq = 0;
const runId = Math.random().toString(36).slice(2, 8);
function post(port, agent, users) {
  const u = users[Math.floor(rnd() * users.length)];
  const room = u.rooms[Math.floor(rnd() * u.rooms.length)];
  const ti = Math.floor(rnd() * TEXTS.length);
  const body = rnd() < o['client-id'] ? { text: TEXTS[ti], client_id: `${runId}-${++cidSeq}` } : { text: TEXTS[ti] };
  const payload = Buffer.from(JSON.stringify(body));
  return new Promise((res) => {
    const t0 = nowMs();
    const req = http.request({
      host: '127.0.0.1', port, method: 'POST', path: `/api/v1/rooms/${room}/messages`, agent,
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
async function maxRun(port, users, clients, secs) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
  const lat = [], codes = {};
  let ok = 0, bytes = 0;
  const end = nowMs() + secs * 1000;
  const t0 = nowMs();
  await Promise.all(Array.from({ length: clients }, async () => {
    while (nowMs() < end) {
      const r = await post(port, agent, users);
      count(r, codes);
      if (r.status === 201) { ok++; lat.push(r.ms); bytes += r.bytes; }
    }
  }));
  const window = (nowMs() - t0) / 1000;
  agent.destroy();
  return { ok, codes, window, lat, bytes };
}

/** Open loop at `rate`/s for `secs` s; latency from the scheduled time and from the actual send. */
async function pacedRun(port, users, rate, secs) {
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
      const p = post(port, agent, users).then((r) => {
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

const round = (x, d = 1) => +x.toFixed(d);
function emit(line) {
  mkdirSync(dirname(o.out), { recursive: true });
  appendFileSync(o.out, JSON.stringify(line) + '\n');
  process.stdout.write(JSON.stringify(line) + '\n');
}

async function rep(r) {
  const common = {
    bench: 'post', label: `${o.label}/${r}`, ...(o.preload ? { preload: o.preload } : {}), time: new Date().toISOString(), rev: gitRev(o['server-root']), node: process.version, server_cpu_pin: unpinned(o['server-cpu']) ? null : String(o['server-cpu']), client_cpu_pin: unpinned(o['client-cpu']) ? null : String(o['client-cpu']),
    users: o.users, rooms: o.rooms, rooms_per_user: o['rooms-per-user'], client_id_fraction: o['client-id'],
    text_bytes_mean: round(textBytes.reduce((s, x) => s + x, 0) / textBytes.length),
    text_bytes_p99: percentiles(textBytes, [99]).p99,
  };
  log(`== rep ${r}: starting natter (cpu ${o['server-cpu']})`);
  const dir = mkdtempSync(join(tmpdir(), 'natter-post-'));
  const srv = await startNatter({ cpu: unpinned(o['server-cpu']) ? null : o['server-cpu'], cpuProf: o.prof || null, dbDir: dir, probe: join(dir, 'probe.jsonl'), preload: o.preload || null, root: o['server-root'] });
  log(`  server pid ${srv.pid}, port ${srv.port}, db ${srv.dbPath}`);
  const probe = async () => { const p = await srv.probeWindow(); if (!p) return {}; delete p.at; return { server_event_loop: p }; };
  const lines = [];
  try {
    const users = await setup(srv.port);
    if (o.mode === 'both' || o.mode === 'max') {
      log(`  warm-up ${o['warmup-s']} s`);
      await maxRun(srv.port, users, o.clients, o['warmup-s']);
      const q = await waitQuiet({ pct: o['quiet-pct'], maxS: o['quiet-max'], log: !o.quiet });
      const rss0 = rssKiB(srv.pid);
      await probe();
      const io0 = procIo(srv.pid);
      const win = cpuWindow(srv.pid);
      const m = await maxRun(srv.port, users, o.clients, o['max-s']);
      const cpu = win();
      const io1 = procIo(srv.pid);
      const per = (k) => +((io1[k] - io0[k]) / Math.max(1, m.ok)).toFixed(2);
      const eld = await probe();
      const line = {
        ...common, mode: 'max', clients: o.clients, duration_s: o['max-s'], created: m.ok, errors: m.codes,
        msgs_per_s: Math.round(m.ok / m.window), text_kib_per_s: Math.round(m.bytes / 1024 / m.window),
        latency_ms: percentiles(m.lat), ...cpu,
        server_us_per_msg: round((cpu.server_cpu_pct / 100) * cpu.window_s * 1e6 / Math.max(1, m.ok)),
        client_us_per_msg: round((cpu.client_cpu_pct / 100) * cpu.window_s * 1e6 / Math.max(1, m.ok)),
        server_rss_kib_before: rss0, server_rss_kib_end: rssKiB(srv.pid), ...eld, ...q,
        // Per 201: write syscalls (SQLite WAL pwrite + fsync-less socket sends), bytes written, bytes to disk.
        server_write_syscalls_per_msg: per('syscw'), server_wchar_per_msg: per('wchar'), server_disk_bytes_per_msg: per('write_bytes'),
      };
      lines.push(line);
    }
    if (o.mode === 'both' || o.mode === 'paced') {
      if (o.mode === 'paced') { log(`  warm-up ${o['warmup-s']} s`); await maxRun(srv.port, users, o.clients, o['warmup-s']); }
      const q = await waitQuiet({ pct: o['quiet-pct'], maxS: o['quiet-max'], log: !o.quiet });
      await probe();
      const tcp0 = tcpCounters();
      const win = cpuWindow(srv.pid);
      const p = await pacedRun(srv.port, users, o.rate, o['paced-s']);
      const cpu = win();
      const eld = await probe();
      const tcp1 = tcpCounters();
      lines.push({
        ...common, mode: 'paced', rate_offered: o.rate, duration_s: o['paced-s'], offered: p.total, created: p.ok, errors: p.codes,
        rate_achieved: Math.round(p.ok / p.window),
        latency_ms: percentiles(p.latSched), latency_from_send_ms: percentiles(p.latSend),
        client_send_lateness_ms: percentiles(p.lateMs, [50, 99]), slowest_requests: p.slow, ...cpu, ...eld, ...q,
        system_tcp: { listen_overflows: tcp1.listen_overflows - tcp0.listen_overflows, timeouts: tcp1.tcp_timeouts - tcp0.tcp_timeouts },
      });
    }
  } finally {
    // kill -9 unless profiling (the profile is written on a graceful exit): what was answered
    // 201 must already be committed, nothing may depend on a shutdown flush.
    if (o.prof) await srv.stop(20000).catch(() => {});
    else await srv.kill().catch(() => {});
  }
  // Durable: every 201 of this repetition (warm-up included) is a row in the file the server left.
  const stored = countStored(srv.dbPath);
  rmSync(dir, { recursive: true, force: true });
  const durable = { created_total: stats.created, stored_total: stored, durable_ok: stored === stats.created, server_stop: o.prof ? 'SIGTERM' : 'SIGKILL' };
  log(`  durable check: ${stats.created} answered 201, ${stored} rows stored → ${durable.durable_ok ? 'ok' : 'MISMATCH'}`);
  for (const l of lines) emit({ ...l, ...durable });
  if (!durable.durable_ok) throw new Error('durable check failed');
}

let failed = false;
for (let r = 1; r <= o.reps; r++) {
  stats.created = 0;
  await rep(r).catch((e) => { failed = true; console.error(e); });
}
process.exit(failed ? 1 : 0);
