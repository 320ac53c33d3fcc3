#!/usr/bin/env node
// bench/resume.mjs — reconnect storm (issue 4, "Benchmark"): S streams that are B events
// behind all resume with Last-Event-ID at once. Target: all complete, exactly once, in
// order, within 5 s.
//
// Per repetition, on a fresh server (taskset -c 0, fresh SQLite, limits off):
//   1. U users; S streams (S/U per user) open and go live (`ready`), each remembers the
//      `ready.cursor`; then every stream is dropped at once (RST), like a proxy restart.
//   2. B messages are posted to `general` (every user is a member) while nobody listens;
//      realistic text sizes (20–400 chars, some longer).
//   3. Storm: all S streams reconnect with `Last-Event-ID: <cursor>` (in batches of
//      --batch connections, each batch waiting for its response headers, as the fan-out
//      harness does; --batch 0 = all at once). Time runs from the first connect to the
//      moment the last stream has all B missed `message` events.
//   4. One more message is posted live: every stream must get it exactly once, right after
//      the replayed ones (no gap, no duplicate at the replay→live switch).
// Checked per stream: `message` events' seqs are exactly base+1..base+B(+1), in order, each
// once, ids unique, the id sequence identical on every stream, no `reset`.
// One JSON line per repetition → --out (default bench/results/resume.jsonl).
import { appendFileSync, mkdirSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  ROOT, cpuWindow, flags, gitRev, makeUsers, nowMs, percentiles, request, rssKiB, sleep, startNatter, waitQuiet, pinSelf
} from './lib.mjs';

const o = flags(process.argv.slice(2), {
  streams: 5000, behind: 200, users: 100, batch: 500, reps: 1, label: 'resume', timeout: 60,
  out: join(ROOT, 'bench/results/resume.jsonl'), 'server-cpu': '0', 'client-cpu': '1', prof: '',
  'quiet-pct': 15, 'quiet-max': 60, quiet: false, 'user-kind': 'guest',
});
if (o.help) {
  console.log(`usage: node bench/resume.mjs [--streams 5000] [--behind 200] [--users 100] [--batch 500 (0 = all at once)]
  [--reps 1] [--label L] [--out FILE] [--timeout 60] [--server-cpu 0] [--client-cpu 1] [--prof DIR] [--user-kind guest|register]`);
  process.exit(0);
}
pinSelf(o['client-cpu']);
const log = (s) => { if (!o.quiet) process.stderr.write(`${s}\n`); };

let seed = 0x9e3779b9;
const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
const WORDS = 'deploy build fix test release merge review branch the a to and we you ok thanks café 👍 🎉 latency stream cache'.split(' ');
function text() {
  const r = rnd();
  const n = r < 0.7 ? 20 + rnd() * 100 : r < 0.95 ? 120 + rnd() * 280 : 400 + rnd() * 1200;
  let s = '';
  while (s.length < n) s += (s ? ' ' : '') + WORDS[Math.floor(rnd() * WORDS.length)];
  return [...s].slice(0, Math.floor(n)).join("").trim();
}

/** One read buffer for every socket (onread): no Buffer allocation per read, as the fan-out harness does. */
const RBUF = Buffer.allocUnsafe(256 * 1024);
/** Streams 0..KEEP_IDS-1 keep their ids as strings (the others only a hash of them). */
const KEEP_IDS = 20;

/**
 * One raw SSE connection. Tracks `message` seqs/ids and calls `onEvent`. The body after the
 * headers is the raw event stream (Natter takes over the socket: no chunked framing).
 * Parsing follows bench/vendor/fanout.mjs (latin1 text, indexOf, no split or per-line arrays) so
 * the client keeps up with the server: the fan-out figure this storm is compared with uses that parser.
 */
class Stream {
  constructor(i, user, port) {
    Object.assign(this, { i, user, port });
    this.reset();
  }
  reset() {
    this.buf = ''; this.headersDone = false; this.status = 0; this.cursor = null;
    // Ids: every stream hashes its id sequence (FNV-1a over `<id>\n`), and the first few keep them, for the
    // uniqueness check; retaining a million id strings cost the client more than parsing them.
    this.ids = this.i < KEEP_IDS ? [] : null; this.idHash = 0x811c9dc5; this.idCount = 0;
    this.seqs = []; this.resets = 0; this.other = 0; this.err = null; this.doneAt = 0; this.closed = false;
  }
  /** Connect; resolves when the response headers arrived (or failed). */
  open(lastEventId, { onEvent, onReady }) {
    this.reset();
    this.onEvent = onEvent; this.onReady = onReady;
    return new Promise((res) => {
      this.resolveHeaders = res;
      // latin1: one char per byte; SSE and HTTP syntax, ids and seqs are ASCII (message text is not looked at).
      const s = (this.sock = net.connect({ host: '127.0.0.1', port: this.port, onread: { buffer: RBUF, callback: (n, b) => { this.data(b.latin1Slice(0, n)); } } }));
      s.setNoDelay(true);
      s.on('connect', () => s.write(
        `GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1:${this.port}\r\nAccept: text/event-stream\r\n` +
        `Authorization: Bearer ${this.user.token}\r\n` + (lastEventId ? `Last-Event-ID: ${lastEventId}\r\n` : '') + '\r\n'));
      s.on('error', (e) => { this.err ??= e.code ?? e.message; this.headersOk(false); });
      s.on('close', () => { this.closed = true; this.headersOk(false); });
    });
  }
  headersOk(ok) { if (this.resolveHeaders) { const r = this.resolveHeaders; this.resolveHeaders = null; r(ok); } }
  data(d) {
    let t = this.buf.length ? this.buf + d : d;
    if (!this.headersDone) {
      const k = t.indexOf('\r\n\r\n');
      if (k < 0) { this.buf = t; return; }
      this.status = Number(t.slice(9, 12));
      if (/\r\ntransfer-encoding:\s*chunked/i.test(t.slice(0, k))) this.err = 'CHUNKED_UNSUPPORTED';
      t = t.slice(k + 4);
      this.headersDone = true;
      if (this.status !== 200) this.err ??= `HTTP_${this.status}`;
      this.headersOk(this.status === 200);
    }
    let pos = 0, k;
    while ((k = t.indexOf('\n\n', pos)) >= 0) {
      this.frame(t, pos, k);
      pos = k + 2;
    }
    this.buf = pos === 0 ? t : t.slice(pos);
  }
  /** The frame t[a..b) (b: the first '\n' of its "\n\n"). */
  frame(t, a, b) {
    // Fields by index, no slices but the id: the data of a `message` is only searched for its "seq".
    let id = -1, idEnd = -1, ev = -1, evEnd = -1, data = -1, dataEnd = -1;
    while (a < b) {
      let e = t.indexOf('\n', a);
      if (e < 0 || e > b) e = b;
      if (t.startsWith('id: ', a)) (id = a + 4), (idEnd = e);
      else if (t.startsWith('event: ', a)) (ev = a + 7), (evEnd = e);
      else if (t.startsWith('data: ', a)) (data = a + 6), (dataEnd = e);
      a = e + 1;
    }
    if (data < 0) return; // retry: / comments: not an event (WHATWG: no data, no dispatch)
    const is = (name) => (ev < 0 ? name === 'message' : evEnd - ev === name.length && t.startsWith(name, ev));
    if (is('message')) {
      let k = t.indexOf('"seq":', data), seq = -1;
      if (k >= 0 && k < dataEnd) for (k += 6, seq = 0; k < dataEnd && t.charCodeAt(k) >= 48 && t.charCodeAt(k) <= 57; k++) seq = seq * 10 + t.charCodeAt(k) - 48;
      this.seqs.push(seq);
      let h = this.idHash;
      for (let k = id; k < idEnd; k++) h = Math.imul(h ^ t.charCodeAt(k), 0x01000193);
      this.idHash = Math.imul(h ^ 10, 0x01000193);
      this.idCount++;
      this.ids?.push(id < 0 ? null : t.slice(id, idEnd));
      this.onEvent?.(this);
    } else if (is('ready')) {
      this.cursor = JSON.parse(t.slice(data, dataEnd)).cursor;
      this.onReady?.(this);
    } else if (is('reset')) this.resets++;
    else this.other++;
  }
  kill() { this.sock?.resetAndDestroy?.() ?? this.sock?.destroy(); }
}

/** Open every stream, `batch` at a time (0 = all at once), waiting for each batch's headers. */
async function openAll(streams, batch, lastId, handlers) {
  const b = batch > 0 ? batch : streams.length;
  let fails = 0;
  for (let i = 0; i < streams.length; i += b) {
    const oks = await Promise.all(streams.slice(i, i + b).map((s) => s.open(lastId(s), handlers)));
    fails += oks.filter((x) => !x).length;
  }
  return fails;
}

const until = async (pred, ms) => { const end = nowMs() + ms; while (!pred() && nowMs() < end) await sleep(5); return pred(); };

async function postAll(port, token, n) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const seqs = [];
  // Sequential: the missed history is one ordered run of messages.
  for (let i = 0; i < n; i++) {
    const r = await request({ port, agent, method: 'POST', path: '/api/v1/rooms/general/messages', token, body: { text: `${text()} #${i}` } });
    if (r.status !== 201) throw new Error(`post: ${r.status} ${JSON.stringify(r.body)}`);
    seqs.push(r.body.message.seq);
  }
  agent.destroy();
  return seqs;
}

async function rep(r) {
  log(`== rep ${r}: natter (cpu ${o['server-cpu']}), ${o.streams} streams × ${o.behind} behind`);
  const srv = await startNatter({ cpu: o['server-cpu'] === '' ? null : o['server-cpu'], cpuProf: o.prof || null, probe: join(tmpdir(), `natter-resume-probe-${process.pid}.jsonl`) });
  try {
    const users = await makeUsers(srv.port, o.users, { prefix: 'reader', kind: o['user-kind'] });
    const poster = (await makeUsers(srv.port, 1, { prefix: 'poster', kind: 'guest' }))[0];
    const streams = Array.from({ length: o.streams }, (_, i) => new Stream(i, users[i % users.length], srv.port));

    // 1. live, then dropped
    let t = nowMs();
    let ready = 0;
    const f1 = await openAll(streams, 500, () => null, { onReady: () => ready++ });
    if (!(await until(() => ready === streams.length, 30000)) || f1) throw new Error(`only ${ready}/${streams.length} streams ready (${f1} failed)`);
    log(`  ${streams.length} streams live in ${((nowMs() - t) / 1000).toFixed(1)} s; dropping them`);
    const cursors = streams.map((s) => s.cursor);
    for (const s of streams) s.kill();
    await sleep(1000);

    // 2. history they miss
    t = nowMs();
    const seqs = await postAll(srv.port, poster.token, o.behind);
    log(`  ${seqs.length} messages posted in ${((nowMs() - t) / 1000).toFixed(1)} s (seq ${seqs[0]}..${seqs.at(-1)})`);
    const q = await waitQuiet({ pct: o['quiet-pct'], maxS: o['quiet-max'], log: !o.quiet });

    // 3. the storm
    let complete = 0;
    const rss0 = rssKiB(srv.pid);
    await srv.probeWindow();
    const win = cpuWindow(srv.pid);
    const t0 = nowMs();
    const onEvent = (s) => { if (s.seqs.length === o.behind) { s.doneAt = nowMs() - t0; complete++; } };
    const failed = await openAll(streams, o.batch, (s) => cursors[s.i], { onEvent });
    const connectS = (nowMs() - t0) / 1000;
    await until(() => complete === streams.length || streams.every((s) => s.doneAt || s.err || s.closed), o.timeout * 1000);
    const stormS = (nowMs() - t0) / 1000;
    const cpu = win();
    const eld = await srv.probeWindow();
    if (eld) delete eld.at;
    const rssPeak = rssKiB(srv.pid);

    // 4. one live message after the replay
    const live = await postAll(srv.port, poster.token, 1);
    const expected = [...seqs, ...live];
    await until(() => streams.every((s) => s.seqs.length >= expected.length || s.err || s.closed), 15000);
    await sleep(300); // a duplicate would arrive right behind

    // Verify.
    // The reference: a complete stream that kept its ids, which must be unique; every stream's id hash must equal its.
    const ref = streams.find((s) => s.ids && s.seqs.length === expected.length);
    const refOk = !!ref && new Set(ref.ids).size === ref.ids.length && !ref.ids.includes(null);
    const bad = {};
    const note = (k) => { bad[k] = (bad[k] ?? 0) + 1; };
    let exact = 0, dups = 0, missing = 0, ooo = 0;
    for (const s of streams) {
      const got = s.seqs;
      if (s.err) note(`error_${s.err}`);
      if (s.resets) note('reset');
      const set = new Set(got);
      dups += got.length - set.size;
      missing += expected.filter((x) => !set.has(x)).length;
      for (let i = 1; i < got.length; i++) if (got[i] <= got[i - 1]) ooo++;
      const ok = got.length === expected.length && got.every((x, i) => x === expected[i]) && refOk && s.idCount === ref.idCount && s.idHash === ref.idHash && (!s.ids || s.ids.join(',') === ref.ids.join(','));
      if (ok && !s.err && !s.resets) exact++; else { note("not_exact"); if (process.env.DEBUG_RESUME && s.i < 2) console.error(s.i, got.length, expected.length, got.slice(0, 5), expected.slice(0, 5), s.ids?.slice(0, 3), s.idHash, ref?.idHash, s.err, s.closed, s.other); }
    }
    const done = streams.filter((s) => s.doneAt).map((s) => s.doneAt);
    const line = {
      bench: 'resume', label: `${o.label}/${r}`, time: new Date().toISOString(), rev: gitRev(), node: process.version,
      streams: o.streams, behind: o.behind, users: o.users, batch: o.batch,
      connect_failures: failed, connect_s: +connectS.toFixed(3),
      storm_s: +stormS.toFixed(3), completed: done.length, completion_ms: percentiles(done, [50, 90, 99]),
      events_replayed: streams.reduce((a, s) => a + Math.min(s.seqs.length, o.behind), 0),
      replayed_events_per_s: Math.round(streams.reduce((a, s) => a + Math.min(s.seqs.length, o.behind), 0) / stormS),
      exact_streams: exact, duplicates: dups, missing, out_of_order: ooo, problems: bad, live_after_replay_ok: exact === streams.length,
      ...cpu, server_us_per_replayed_event: +((cpu.server_cpu_pct / 100) * cpu.window_s * 1e6 / Math.max(1, done.length * o.behind)).toFixed(2),
      server_rss_kib_before: rss0, server_rss_kib_after: rssPeak, server_event_loop: eld, ...q,
      target_5s_met: done.length === streams.length && stormS <= 5 && exact === streams.length,
    };
    for (const s of streams) s.kill();
    mkdirSync(dirname(o.out), { recursive: true });
    appendFileSync(o.out, JSON.stringify(line) + '\n');
    process.stdout.write(JSON.stringify(line) + '\n');
  } finally {
    await srv.stop(20000).catch(() => {});
    rmSync(join(tmpdir(), `natter-resume-probe-${process.pid}.jsonl`), { force: true });
  }
}

let failedRuns = 0;
for (let r = 1; r <= o.reps; r++) await rep(r).catch((e) => { failedRuns++; console.error(e); });
process.exit(failedRuns ? 1 : 0);
