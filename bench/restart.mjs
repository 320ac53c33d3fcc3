#!/usr/bin/env node
// bench/restart.mjs — a node with thousands of streams restarts (issue 16 item 4, "gentle reconnects"):
// when do its clients come back? Measures the arrival of the reconnects at the restarted server,
// for one or more checkouts (e.g. before / after commit ca40e1f), interleaved by rep.
//
// Per run, on a fresh server (taskset -c 0, fresh SQLite file in a fresh dir, limits off, default
// NATTER_RETRY_MS / NATTER_SHUTDOWN_SPREAD_MS unless --env says otherwise):
//   1. U guest users; S streams (S/U per user) open and go live (`ready`); one message is posted to
//      `general` and every stream gets it live (its id becomes the stream's Last-Event-ID).
//   2. t = 0: SIGTERM to the server. A TCP probe (one connect every --probe-ms) records when the old
//      process stops accepting and when the new one starts. As soon as the old process has exited the
//      same checkout is started again on the same port and the same data dir.
//   3. Every stream behaves as a browser's EventSource does (WHATWG HTML "server-sent events"): it keeps
//      the reconnection time from the server's last `retry:` field and the last event ID; when its
//      stream ends (clean end or error) it waits the reconnection time and reconnects with
//      `Last-Event-ID`; a failed connect (refused, reset before the response) waits the reconnection
//      time again and retries; a response other than 200 *fails the connection* (EventSource gives up
//      for good: counted as `gave_up`; `--non200 retry` keeps retrying instead, to measure anyway).
//      No exponential backoff (Chromium and Firefox add none).
//   4. When every stream is live again on the new server (or gave up, or --timeout), a second message is
//      posted; every stream must then have seen exactly [message 1, message 2], once each, no `reset`.
// Client: raw TCP sockets (one per stream, the request written by hand, the event stream parsed here:
// Natter takes the socket over, no chunked framing), far lighter than 3,000 `eventsource` objects on
// one core. Times are the client's (monotonic clock) and run from the SIGTERM; "back" is the moment the
// status line `200` of a reconnect arrived from the new server, `live` the moment its `ready` arrived.
// Figures: histogram of "back" in 100 ms buckets (from the SIGTERM and from the new server's first
// accepted connect), the most "back"s in any 10 ms and any 100 ms window (sliding), p50/p99/max of
// back (from SIGTERM and per stream from its old stream's end), attempts, downtime, exactly-once.
// One JSON line per run → --out (default bench/results/restart.jsonl).
//
//   node bench/restart.mjs --roots before=/tmp/natter-before,after=/tmp/natter-after --reps 3
//   node bench/restart.mjs --table bench/results/restart.jsonl        (medians per label, markdown)
import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import {
  ROOT, flags, freePort, gitRev, makeUsers, nowMs, percentiles, request, sleep, tcpCounters, waitQuiet, pinSelf
} from './lib.mjs';

const o = flags(process.argv.slice(2), {
  roots: `after=${ROOT}`, streams: 3000, users: 100, reps: 1, timeout: 40, 'probe-ms': 2,
  non200: 'fail', env: '', label: 'restart', table: '',
  out: join(ROOT, 'bench/results/restart.jsonl'), 'server-cpu': '0', 'client-cpu': '1',
  'quiet-pct': 15, 'quiet-max': 60, quiet: false,
});
if (o.help) {
  console.log(`usage: node bench/restart.mjs [--roots NAME=DIR,NAME=DIR] [--streams 3000] [--users 100] [--reps 1]
  [--timeout 40 (s, from SIGTERM)] [--non200 fail|retry] [--env K=V,K=V (server env)] [--label L] [--out FILE]
  [--probe-ms 2] [--server-cpu 0] [--client-cpu 1]
  node bench/restart.mjs --table FILE...   (markdown table of medians per label)`);
  process.exit(0);
}

// ---------------------------------------------------------------- table mode
if (o.table) {
  const files = [o.table, ...process.argv.slice(2).filter((a, i, all) => !a.startsWith('--') && all[i - 1] !== '--table')];
  const rows = files.flatMap((f) => readFileSync(f, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l))).filter((r) => r.bench === 'restart');
  const med = (xs) => { xs = xs.filter((x) => x != null && Number.isFinite(x)).sort((a, b) => a - b); if (!xs.length) return null; const m = xs.length >> 1; return xs.length % 2 ? xs[m] : (xs[m - 1] + xs[m]) / 2; };
  const rg = (xs) => { xs = xs.filter((x) => x != null).sort((a, b) => a - b); return xs.length > 1 ? ` (${xs[0]}–${xs.at(-1)})` : ''; };
  const cell = (rs, f) => { const xs = rs.map(f); return `${med(xs)}${rg(xs)}`; };
  const groups = new Map();
  for (const r of rows) { const k = `${r.name} ${r.rev}`; if (!groups.has(k)) groups.set(k, []); groups.get(k).push(r); }
  const sum = (rs, f) => rs.reduce((a, r) => a + (f(r) ?? 0), 0);
  console.log('| code | n × streams | retry hints ms | old streams closed over ms | SIGTERM → new server accepts, ms | reconnect attempts at the new server, peak / 10 ms · / 100 ms | listen-queue overflows (dropped SYNs) | back (200), peak / 10 ms · / 100 ms | back, ms after SIGTERM: p50 · p99 · max | back, ms after the new server accepts: p50 · p99 · max | attempts / stream | non-200 (503) · gave up | exactly once | other CPU % |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  const r0 = (x) => (x == null ? null : Math.round(x));
  for (const [k, rs] of groups) {
    console.log(`| ${k} | ${rs.length} × ${rs[0].streams} | ${med(rs.map((r) => r.retry_hint_ms.min))}–${med(rs.map((r) => r.retry_hint_ms.max))} | ${cell(rs, (r) => r0(r.old_closed_ms.spread))} | ${cell(rs, (r) => r0(r.downtime.new_accepting_ms))} | **${cell(rs, (r) => r.peak_attempts_at_new_10ms)}** · ${cell(rs, (r) => r.peak_attempts_at_new_100ms)} | ${cell(rs, (r) => r.listen_overflows)} | **${cell(rs, (r) => r.peak_back_10ms)}** · ${cell(rs, (r) => r.peak_back_100ms)} | ${cell(rs, (r) => r0(r.back_ms.p50))} · ${cell(rs, (r) => r0(r.back_ms.p99))} · ${cell(rs, (r) => r0(r.back_ms.max))} | ${cell(rs, (r) => r0(r.back_from_accepting_ms?.p50))} · ${cell(rs, (r) => r0(r.back_from_accepting_ms?.p99))} · ${cell(rs, (r) => r0(r.back_from_accepting_ms?.max))} | ${cell(rs, (r) => r.attempts_mean)} | ${sum(rs, (r) => r.non200)} · ${sum(rs, (r) => r.gave_up)} | ${sum(rs, (r) => r.exact_streams)} / ${sum(rs, (r) => r.streams)} | ${cell(rs, (r) => r.other_cpu_pct)} |`);
  }
  process.exit(0);
}

pinSelf(o['client-cpu']);
const log = (s) => { if (!o.quiet) process.stderr.write(`${s}\n`); };
const roots = String(o.roots).split(',').map((x) => { const [name, dir] = x.split('='); return { name, dir: resolve(dir) }; });
const extraEnv = Object.fromEntries(String(o.env || '').split(',').filter(Boolean).map((kv) => kv.split('=')));

// ---------------------------------------------------------------- the server process (fixed port and dir)

const BENCH_ENV = { NATTER_POST_RATE: '0', NATTER_AUTH_RATE: '0', NATTER_STREAMS_PER_USER: '0', NATTER_STREAMS_PER_IP: '0', LOG_LEVEL: 'warn' };

/** Spawn `node --import tsx src/main.ts` in `root`, pinned, on `port` with the SQLite file in `dir`. */
function spawnNatter(root, port, dir) {
  const args = ['-c', String(o['server-cpu']), process.execPath, '--import', 'tsx', 'src/main.ts'];
  const child = spawn('taskset', args, {
    cwd: root,
    env: { ...process.env, ...BENCH_ENV, ...extraEnv, PORT: String(port), HOST: '127.0.0.1', DATABASE_URL: `sqlite:${join(dir, 'natter.db')}` },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (b) => { out = (out + b).slice(-20000); });
  child.stderr.on('data', (b) => { out = (out + b).slice(-20000); });
  const exited = new Promise((r) => child.once('exit', (code, sig) => r({ code, sig, at: nowMs() })));
  return { child, pid: child.pid, exited, output: () => out };
}
async function waitHealthy(srv, port) {
  for (let i = 0; i < 600; i++) {
    if (srv.child.exitCode !== null) throw new Error(`natter exited (${srv.child.exitCode}) before listening:\n${srv.output()}`);
    if (await request({ port, method: 'GET', path: '/healthz', timeoutMs: 2000 }).then((r) => r.status === 200, () => false)) return;
    await sleep(50);
  }
  throw new Error(`natter did not come up on ${port}:\n${srv.output()}`);
}
async function stopServer(srv) {
  if (!srv || srv.child.exitCode !== null || srv.child.signalCode !== null) return;
  srv.child.kill('SIGTERM');
  const t = setTimeout(() => srv.child.kill('SIGKILL'), 20000);
  await srv.exited;
  clearTimeout(t);
}

/** One connect at a time, every `everyMs`: when does the port accept, when does it refuse? */
function probePort(port, everyMs) {
  const ev = [];
  let last = null, stop = false;
  const one = () => new Promise((res) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => { s.destroy(); res(true); });
    s.once('error', () => res(false));
  });
  const loop = (async () => {
    while (!stop) {
      const t = nowMs();
      const ok = await one();
      if (ok !== last) { ev.push({ at: t, accepting: ok }); last = ok; }
      await sleep(everyMs);
    }
  })();
  return { events: ev, async stop() { stop = true; await loop; } };
}

// ---------------------------------------------------------------- an EventSource-like client on a raw socket

let stopping = false;
let T0 = 0; // SIGTERM time
const retryTimers = new Set();
let attemptLog = []; // ms from SIGTERM of every reconnect attempt (the connect call) after a stream ended

class Client {
  constructor(i, user, port) {
    Object.assign(this, { i, user, port });
    this.retryMs = 3000; // the UA default until the server says otherwise (it always does, first thing)
    this.lastEventId = '';
    this.seqs = []; this.ids = []; this.resets = 0;
    this.ready = false; this.conns = 0;
    this.hintOld = null;                     // the retry hint of the stream open at SIGTERM
    this.endedAt = null;                     // when that stream ended (ms from SIGTERM)
    this.attempts = 0;                       // connect attempts after it ended
    this.refused = 0; this.non200 = 0; this.statuses = []; this.non200At = [];
    this.backAt = null; this.liveAt = null;  // 200 / ready of the first reconnect after the SIGTERM
    this.lag = [];                           // timer lateness of each reconnect (client's own delay)
    this.gaveUp = false;
  }
  connect() {
    if (stopping) return;
    const conn = ++this.conns;
    this.buf = ''; this.headersDone = false; this.status = 0;
    this.idBuf = this.lastEventId; this.evType = ''; this.data = null;
    this.connOpen = false; this.settled = false;
    const s = (this.sock = net.connect({ host: '127.0.0.1', port: this.port }));
    s.setNoDelay(true);
    s.setEncoding('utf8');
    s.on('connect', () => s.write(
      `GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1:${this.port}\r\nAccept: text/event-stream\r\nCache-Control: no-cache\r\n` +
      `Authorization: Bearer ${this.user.token}\r\n` + (this.lastEventId ? `Last-Event-ID: ${this.lastEventId}\r\n` : '') + '\r\n'));
    s.on('data', (d) => { if (conn === this.conns) this.onData(d); });
    s.on('error', () => {});
    s.on('close', () => { if (conn === this.conns) this.onClose(); });
  }
  onData(d) {
    this.buf += d;
    if (!this.headersDone) {
      const k = this.buf.indexOf('\r\n\r\n');
      if (k < 0) return;
      this.status = Number(this.buf.slice(9, 12));
      const head = this.buf.slice(0, k);
      this.buf = this.buf.slice(k + 4);
      this.headersDone = true;
      if (this.status !== 200 || /\r\ntransfer-encoding:\s*chunked/i.test(head)) {
        // EventSource: a response that is not 200 text/event-stream fails the connection (no reconnect).
        this.non200++; this.statuses.push(this.status);
        if (T0) this.non200At.push(+(nowMs() - T0).toFixed(1));
        this.settled = true;
        if (T0 && this.endedAt !== null && o.non200 !== 'retry') { this.gaveUp = true; this.sock.destroy(); return; }
        this.sock.destroy();
        this.schedule();
        return;
      }
      this.connOpen = true;
      if (T0 && this.endedAt !== null && this.backAt === null) this.backAt = nowMs() - T0;
    }
    let k;
    while ((k = this.buf.indexOf('\n')) >= 0) {
      let line = this.buf.slice(0, k);
      this.buf = this.buf.slice(k + 1);
      if (line.endsWith('\r')) line = line.slice(0, -1);
      this.line(line);
    }
  }
  /** WHATWG "interpret an event stream", line by line. */
  line(l) {
    if (l === '') return this.dispatch();
    if (l[0] === ':') return;
    const c = l.indexOf(':');
    const field = c < 0 ? l : l.slice(0, c);
    let value = c < 0 ? '' : l.slice(c + 1);
    if (value[0] === ' ') value = value.slice(1);
    if (field === 'event') this.evType = value;
    else if (field === 'data') this.data = this.data === null ? value : `${this.data}\n${value}`;
    else if (field === 'id') { if (!value.includes('\0')) this.idBuf = value; }
    else if (field === 'retry') { if (/^\d+$/.test(value)) this.retryMs = Number(value); }
  }
  dispatch() {
    this.lastEventId = this.idBuf;
    const type = this.evType || 'message', data = this.data;
    this.evType = ''; this.data = null;
    if (data === null) return;
    if (type === 'message') {
      const m = /"seq":(\d+)/.exec(data);
      this.seqs.push(m ? Number(m[1]) : -1);
      this.ids.push(this.lastEventId);
    } else if (type === 'ready') {
      this.ready = true;
      if (T0 && this.endedAt !== null && this.liveAt === null) this.liveAt = nowMs() - T0;
    } else if (type === 'reset') this.resets++;
  }
  onClose() {
    if (stopping || this.gaveUp) return;
    if (this.connOpen) {
      // The stream ended: "reestablish the connection" after the reconnection time.
      this.connOpen = false; this.ready = false;
      if (T0 && this.endedAt === null) { this.endedAt = nowMs() - T0; this.hintOld = this.retryMs; }
    } else if (!this.settled) {
      if (this.endedAt !== null) this.refused++; // refused / reset before any response
    } else return; // non-200, already handled
    this.schedule();
  }
  schedule() {
    if (stopping) return;
    const due = nowMs() + this.retryMs;
    const t = setTimeout(() => {
      retryTimers.delete(t);
      if (this.endedAt !== null) { this.attempts++; this.lag.push(nowMs() - due); attemptLog.push(nowMs() - T0); }
      this.connect();
    }, this.retryMs);
    retryTimers.add(t);
  }
  kill() { this.sock?.destroy(); }
}

const until = async (pred, ms) => { const end = nowMs() + ms; while (!pred() && nowMs() < end) await sleep(5); return pred(); };

async function post(port, token, text) {
  const r = await request({ port, method: 'POST', path: '/api/v1/rooms/general/messages', token, body: { text } });
  if (r.status !== 201) throw new Error(`post: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.message.seq;
}

// ---------------------------------------------------------------- CPU (servers change pid mid-run)

const ticksOf = (pid) => { try { const s = readFileSync(`/proc/${pid}/stat`, 'utf8'); const f = s.slice(s.lastIndexOf(')') + 2).split(' '); return Number(f[11]) + Number(f[12]); } catch { return null; } };
const machine = () => { const a = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number); return a[0] + a[1] + a[2] + a[5] + a[6] + a[7]; };
function cpuTracker() {
  const seen = new Map(); // pid → [first, last] ticks
  const t0 = nowMs(), m0 = machine(), c0 = ticksOf(process.pid);
  const pids = new Set();
  const kids = (p) => { try { return readFileSync(`/proc/${p}/task/${p}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number); } catch { return []; } };
  const sample = () => { for (const p of [...pids]) for (const k of kids(p)) pids.add(k); for (const p of pids) { const v = ticksOf(p); if (v === null) continue; const e = seen.get(p); if (e) e[1] = v; else seen.set(p, [v, v]); } };
  const iv = setInterval(sample, 50);
  return {
    add(pid) { pids.add(pid); sample(); },
    stop() {
      sample(); clearInterval(iv);
      const secs = (nowMs() - t0) / 1000;
      const srv = [...seen.values()].reduce((a, [f, l]) => a + (l - f), 0) / 100;
      const cli = (ticksOf(process.pid) - c0) / 100, busy = (machine() - m0) / 100;
      const pct = (x) => Math.round((100 * x) / secs);
      return { window_s: +secs.toFixed(2), server_cpu_pct: pct(srv), client_cpu_pct: pct(cli), machine_busy_pct: pct(busy), other_cpu_pct: pct(busy - srv - cli) };
    },
  };
}

// ---------------------------------------------------------------- figures

function hist(xs, from, bucket) {
  const out = [];
  for (const x of xs) { const b = Math.floor((x - from) / bucket); if (b < 0) continue; while (out.length <= b) out.push(0); out[b]++; }
  return out;
}
function peak(xs, w) {
  const a = Float64Array.from(xs).sort();
  let best = 0, j = 0;
  for (let i = 0; i < a.length; i++) { while (a[i] - a[j] >= w) j++; best = Math.max(best, i - j + 1); }
  return best;
}
const r1 = (x) => (x == null ? null : +x.toFixed(1));

// ---------------------------------------------------------------- one run

async function run(root, rep) {
  log(`== ${root.name} rep ${rep}: ${root.dir} (${gitRev(root.dir)}), ${o.streams} streams`);
  stopping = false; T0 = 0; attemptLog = [];
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'natter-restart-'));
  let srv = spawnNatter(root.dir, port, dir), srv2 = null;
  let clients = [];
  try {
    await waitHealthy(srv, port);
    const users = await makeUsers(port, o.users, { prefix: 'reader', kind: 'guest' });
    const poster = (await makeUsers(port, 1, { prefix: 'poster', kind: 'guest' }))[0];
    clients = Array.from({ length: o.streams }, (_, i) => new Client(i, users[i % users.length], port));
    let t = nowMs();
    for (let i = 0; i < clients.length; i += 500) {
      for (const c of clients.slice(i, i + 500)) c.connect();
      await until(() => clients.slice(i, i + 500).every((c) => c.ready), 30000);
    }
    if (!(await until(() => clients.every((c) => c.ready), 30000))) throw new Error(`only ${clients.filter((c) => c.ready).length} streams ready`);
    log(`  ${clients.length} streams live in ${((nowMs() - t) / 1000).toFixed(1)} s`);
    const seq1 = await post(port, poster.token, 'before the restart');
    if (!(await until(() => clients.every((c) => c.seqs.length === 1), 15000))) throw new Error('message 1 not delivered to every stream');
    const hints = clients.map((c) => c.retryMs);
    const q = await waitQuiet({ pct: o['quiet-pct'], maxS: o['quiet-max'], log: !o.quiet });

    // ---- the restart
    const tcp0 = tcpCounters();
    const cpu = cpuTracker();
    cpu.add(srv.pid);
    const probe = probePort(port, o['probe-ms']);
    await sleep(20);
    T0 = nowMs();
    srv.child.kill('SIGTERM');
    const ex = await srv.exited;
    const exitedMs = ex.at - T0;
    srv2 = spawnNatter(root.dir, port, dir);
    const spawnedMs = nowMs() - T0;
    cpu.add(srv2.pid);
    log(`  old server exited (${ex.code ?? ex.sig}) ${exitedMs.toFixed(0)} ms after SIGTERM; restarted`);
    const settled = () => clients.every((c) => (c.liveAt !== null && c.ready) || c.gaveUp);
    await until(settled, Math.max(1000, o.timeout * 1000 - (nowMs() - T0)));
    const windowMs = nowMs() - T0;
    const cpuW = cpu.stop();
    await probe.stop();
    const tcp1 = tcpCounters();
    const firstRefuse = probe.events.find((e) => !e.accepting && e.at >= T0);
    const newAccept = probe.events.find((e) => e.accepting && e.at >= ex.at);
    const oldStopMs = firstRefuse ? firstRefuse.at - T0 : null;
    const newMs = newAccept ? newAccept.at - T0 : null;
    log(`  all back: ${settled()} after ${(windowMs / 1000).toFixed(1)} s; new server accepted at ${newMs?.toFixed(0)} ms`);

    // ---- one message after the restart, then check exactly-once
    const seq2 = await post(port, poster.token, 'after the restart');
    await until(() => clients.every((c) => c.seqs.length >= 2 || c.gaveUp), 15000);
    await sleep(300); // a duplicate would arrive right behind
    stopping = true;
    for (const tm of retryTimers) clearTimeout(tm);
    retryTimers.clear();
    let exact = 0, dups = 0, missing = 0;
    const problems = {};
    const note = (k) => { problems[k] = (problems[k] ?? 0) + 1; };
    for (const c of clients) {
      const set = new Set(c.seqs);
      dups += c.seqs.length - set.size;
      missing += [seq1, seq2].filter((x) => !set.has(x)).length;
      if (c.resets) note('reset');
      if (c.gaveUp) note('gave_up');
      if (c.seqs.length === 2 && c.seqs[0] === seq1 && c.seqs[1] === seq2 && c.ids[0] !== c.ids[1] && !c.resets) exact++;
      else note('not_exact');
    }
    for (const c of clients) c.kill();

    const ended = clients.filter((c) => c.endedAt !== null).map((c) => c.endedAt);
    const back = clients.filter((c) => c.backAt !== null).map((c) => c.backAt);
    const live = clients.filter((c) => c.liveAt !== null).map((c) => c.liveAt);
    const outage = clients.filter((c) => c.backAt !== null).map((c) => c.backAt - c.endedAt);
    const lags = clients.flatMap((c) => c.lag);
    const attempts = clients.map((c) => c.attempts);
    const attemptsDist = {};
    for (const a of attempts) attemptsDist[a] = (attemptsDist[a] ?? 0) + 1;
    const statuses = {};
    for (const c of clients) for (const s of c.statuses) statuses[s] = (statuses[s] ?? 0) + 1;
    const hintsSorted = [...hints].sort((a, b) => a - b);
    const line = {
      bench: 'restart', label: `${o.label}/${root.name}/${rep}`, name: root.name, time: new Date().toISOString(),
      rev: gitRev(root.dir), root: root.dir, node: process.version, streams: o.streams, users: o.users, non200_rule: o.non200,
      server_env: extraEnv,
      retry_hint_ms: { min: hintsSorted[0], p50: hintsSorted[hintsSorted.length >> 1], max: hintsSorted.at(-1), distinct: new Set(hints).size },
      downtime: { old_stops_accepting_ms: r1(oldStopMs), old_exited_ms: r1(exitedMs), new_spawned_ms: r1(spawnedMs), new_accepting_ms: r1(newMs), old_exit: ex.code ?? ex.sig },
      old_closed_ms: { first: r1(Math.min(...ended)), p50: percentiles(ended, [50]).p50, last: r1(Math.max(...ended)), spread: r1(Math.max(...ended) - Math.min(...ended)), n: ended.length },
      back: back.length, back_before_new_accepting: newMs == null ? null : back.filter((x) => x < newMs).length, gave_up: clients.filter((c) => c.gaveUp).length, all_back: back.length === clients.length,
      back_ms: percentiles(back, [1, 50, 90, 99]),
      back_from_accepting_ms: newMs == null ? null : percentiles(back.map((x) => x - newMs), [1, 50, 90, 99]),
      live_ms: percentiles(live, [50, 99]),
      outage_ms: percentiles(outage, [50, 99]),
      attempts_at_new: newMs == null ? null : attemptLog.filter((x) => x >= newMs).length,
      peak_attempts_at_new_10ms: newMs == null ? null : peak(attemptLog.filter((x) => x >= newMs), 10),
      peak_attempts_at_new_100ms: newMs == null ? null : peak(attemptLog.filter((x) => x >= newMs), 100),
      hist_attempts_100ms_from_accepting: newMs == null ? null : hist(attemptLog, newMs, 100),
      peak_back_10ms: peak(back, 10), peak_back_100ms: peak(back, 100), peak_back_1s: peak(back, 1000),
      hist_back_100ms_from_sigterm: hist(back, 0, 100),
      hist_back_100ms_from_accepting: newMs == null ? null : hist(back, newMs, 100),
      attempts_total: attempts.reduce((a, b) => a + b, 0), attempts_mean: +(attempts.reduce((a, b) => a + b, 0) / clients.length).toFixed(2), attempts_dist: attemptsDist,
      refused: clients.reduce((a, c) => a + c.refused, 0), non200: clients.reduce((a, c) => a + c.non200, 0), non200_statuses: statuses,
      non200_at_ms: clients.flatMap((c) => c.non200At).sort((a, b) => a - b).slice(0, 50),
      client_timer_lag_ms: percentiles(lags, [50, 99]),
      exact_streams: exact, duplicates: dups, missing, problems, seqs: [seq1, seq2],
      listen_overflows: tcp1.listen_overflows - tcp0.listen_overflows, tcp_timeouts: tcp1.tcp_timeouts - tcp0.tcp_timeouts,
      ...cpuW, ...q,
    };
    mkdirSync(dirname(o.out), { recursive: true });
    appendFileSync(o.out, JSON.stringify(line) + '\n');
    log(`  back p50/p99/max ${line.back_ms.p50}/${line.back_ms.p99}/${line.back_ms.max} ms, peak 10 ms ${line.peak_back_10ms}, 100 ms ${line.peak_back_100ms}, exact ${exact}/${clients.length}, gave up ${line.gave_up}`);
    process.stdout.write(JSON.stringify(line) + '\n');
  } finally {
    stopping = true;
    for (const tm of retryTimers) clearTimeout(tm);
    retryTimers.clear();
    for (const c of clients) c.kill();
    await stopServer(srv2).catch(() => {});
    await stopServer(srv).catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
}

let failedRuns = 0;
for (let r = 1; r <= o.reps; r++) {
  for (const root of roots) await run(root, r).catch((e) => { failedRuns++; console.error(e); });
}
process.exit(failedRuns ? 1 : 0);
