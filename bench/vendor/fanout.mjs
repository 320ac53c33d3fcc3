#!/usr/bin/env node
// Vendored copy of ../shared/bench/fanout.mjs (the team's shared SSE load harness; sha256 76a8361e17a5…, copied 2026-11-25). Do not edit here: change it upstream and copy it again.
// fanout.mjs — generic benchmark harness for SSE (Server-Sent Events) pub/sub servers.
// Plain Node ESM, built-ins only. Subscribers run in K child processes (each with its
// own fd limit) on raw `net` sockets with a minimal HTTP/1.1 + chunked + SSE parser;
// the publisher runs in the parent with node:http. Traffic is refused unless the
// target is a loopback address. Every loop is bounded by --subs/--msgs and --timeout.
// Run `node fanout.mjs --help` for flags. Output: one JSON line on stdout.
import { fork } from 'node:child_process';
import { parseArgs } from 'node:util';
import net from 'node:net';
import http from 'node:http';
import fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';

// Shared clock: microseconds on CLOCK_MONOTONIC (process.hrtime), identical across
// processes on one machine. (performance.now() is not used: its offset to hrtime
// shifts by ~2 ms after bootstrap, which would corrupt cross-process latencies.)
const nowUs = () => { const t = process.hrtime(); return t[0] * 1e6 + t[1] / 1e3; };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Latency histogram in µs: 1 µs buckets below 2048 µs, then 1024 sub-buckets per
// power of two (~0.1 % relative error) up to 2^32 µs.
const HSIZE = 2048 + 22 * 1024;
function hidx(v) {
  if (!(v > 0)) return 0;
  v = v >= 4294967295 ? 4294967295 : v >>> 0;
  if (v < 2048) return v;
  const e = 21 - Math.clz32(v);
  return 2048 + (e - 1) * 1024 + ((v >>> e) - 1024);
}
function hval(i) {
  if (i < 2048) return i + 0.5;
  const e = ((i - 2048) >> 10) + 1, sub = (i - 2048) & 1023;
  return (1024 + sub) * 2 ** e + 2 ** (e - 1);
}

const LOOPBACK = (h) => /^127\.\d+\.\d+\.\d+$/.test(h) || h === 'localhost' || h === '::1' || h === '[::1]';
function render(tpl, vars) {
  return tpl.replace(/\{(seq|ts|run|pad|i)\}/g, (m, k) => (vars[k] ?? m));
}
function target(urlStr) {
  const u = new URL(urlStr);
  if (u.protocol !== 'http:') throw new Error(`only http:// is supported: ${urlStr}`);
  const host = u.hostname.replace(/^\[|\]$/g, '');
  if (!LOOPBACK(u.hostname) && !LOOPBACK(host)) throw new Error(`refusing non-loopback target ${u.hostname}`);
  return { host, port: +(u.port || 80), path: u.pathname + u.search, hostHdr: u.host };
}

// ============================ subscriber child ============================
function child() {
  let W = null;
  const CRRE = /\r\n?/g;
  const RBUF = Buffer.allocUnsafe(256 * 1024);
  let subs = [], seen = null, perSeq = null, hist = new Uint32Array(HSIZE), re = null;
  let unique = 0, dup = 0, ooo = 0, foreign = 0, unmatched = 0, events = 0, filtered = 0;
  let reads = 0, readsMark = 0, maxLat = 0, lastRecv = 0, connected = 0, failed = 0, closedEarly = 0, open = 0, finishing = false, cpuMark = null;
  const errs = {};
  const err = (c) => { errs[c] = (errs[c] || 0) + 1; };

  function dispatch(s, data, now) {
    events++;
    if (W.event !== null && (s.ev || 'message') !== W.event) { filtered++; return; }
    if (seen === null) return;
    const m = re.exec(data);
    if (m === null) { unmatched++; return; }
    const seq = +m[1], ts = +m[2];
    if (!(seq >= 0 && seq < W.msgs) || ts < W.minTs) { foreign++; return; }
    const k = s.slot * W.msgs + seq;
    if (seen[k] !== 0) { dup++; return; }
    seen[k] = 1; unique++;
    if (perSeq !== null) perSeq[seq]++;
    if (seq < s.maxSeq) ooo++; else s.maxSeq = seq;
    const lat = now - ts;
    hist[hidx(lat)]++;
    if (lat > maxLat) maxLat = lat;
    if (now > lastRecv) lastRecv = now;
  }
  // Parse complete SSE text t[a..b) (b points at the first '\n' of a "\n\n" boundary).
  function frame(s, t, a, b, now) {
    let data = null;
    while (a <= b) {
      let e = t.indexOf('\n', a);
      if (e === -1 || e > b) e = b;
      if (e === a) { if (data !== null) dispatch(s, data, now); data = null; s.ev = ''; }
      else if (t.charCodeAt(a) !== 58) { // ':' starts a comment line
        const c = t.indexOf(':', a);
        let field, val;
        if (c === -1 || c > e) { field = t.slice(a, e); val = ''; }
        else { field = t.slice(a, c); val = t.slice(t.charCodeAt(c + 1) === 32 ? c + 2 : c + 1, e); }
        if (field === 'data') data = data === null ? val : data + '\n' + val;
        else if (field === 'event') s.ev = val;
        else if (field === 'id') s.lastId = val;
      }
      a = e + 1;
    }
    if (data !== null) dispatch(s, data, now);
    s.ev = '';
  }
  function sse(s, str, now) {
    if (s.cr) { s.cr = false; if (str.charCodeAt(0) === 10) str = str.slice(1); }
    if (str.indexOf('\r') !== -1) {
      if (str.charCodeAt(str.length - 1) === 13) s.cr = true; // CR may pair with a LF in the next read
      str = str.replace(CRRE, '\n');
    }
    const t = s.text.length ? s.text + str : str;
    let pos = 0;
    for (;;) {
      const k = t.indexOf('\n\n', pos);
      if (k === -1) break;
      frame(s, t, pos, k, now);
      pos = k + 2;
    }
    s.text = pos === 0 ? t : t.slice(pos);
    if (s.text.length > 4 << 20) { err('SSE_FRAME_TOO_BIG'); s.text = ''; }
  }
  function dechunk(s, str) {
    let out = '', off = 0;
    const n = str.length;
    while (off < n) {
      if (s.cst === 0) { // chunk-size line
        const nl = str.indexOf('\n', off);
        if (nl === -1) { s.csz += str.slice(off); break; }
        const size = parseInt(s.csz + str.slice(off, nl), 16);
        s.csz = ''; off = nl + 1;
        if (!(size > 0)) { s.cst = 3; break; }
        s.crem = size; s.cst = 1;
      } else if (s.cst === 1) { // chunk data
        const take = Math.min(s.crem, n - off);
        out += str.slice(off, off + take);
        s.crem -= take; off += take;
        if (s.crem === 0) s.cst = 2;
      } else if (s.cst === 2) { // CRLF after chunk data
        const nl = str.indexOf('\n', off);
        if (nl === -1) break;
        off = nl + 1; s.cst = 0;
      } else break; // after last chunk
    }
    return out;
  }
  function body(s, str, now) {
    if (s.chunked) str = dechunk(s, str);
    if (str.length) sse(s, str, now);
  }
  function openSub(slot) {
    return new Promise((resolve) => {
      const gi = W.first + slot;
      const tg = W.perSub ? target(render(W.subUrl, { i: gi, run: W.run })) : W.tg;
      const hdrs = W.hdrPerSub ? render(W.subHeaders, { i: gi, run: W.run }) : W.subHeaders;
      const req = `GET ${tg.path} HTTP/1.1\r\nHost: ${tg.hostHdr}\r\nAccept: text/event-stream\r\nCache-Control: no-cache\r\n${hdrs}\r\n`;
      // onread with one shared buffer per process: no Buffer allocation per read
      const opts = { host: tg.host, port: tg.port, onread: { buffer: RBUF, callback: (n, buf) => { onData(buf.latin1Slice(0, n)); } } };
      if (W.srcIps.length) opts.localAddress = W.srcIps[gi % W.srcIps.length];
      const s = { slot, sock: null, head: true, hbuf: '', chunked: false, cst: 0, crem: 0, csz: '', text: '', cr: false, ev: '', lastId: '', maxSeq: -1, ok: false };
      subs[slot] = s;
      let settled = false;
      const settle = (ok, code) => {
        if (settled) return;
        settled = true; clearTimeout(timer);
        if (ok) { connected++; open++; s.ok = true; } else { failed++; err(code); }
        resolve();
      };
      const sock = net.connect(opts);
      s.sock = sock;
      const timer = setTimeout(() => { settle(false, 'HEADER_TIMEOUT'); sock.destroy(); }, W.readyTimeoutMs);
      sock.setNoDelay(true);
      sock.on('connect', () => sock.write(req));
      function onData(str) { // latin1: 1 char per byte; SSE/HTTP syntax is ASCII
        const now = nowUs();
        reads++;
        if (s.head) {
          s.hbuf += str;
          let k = s.hbuf.indexOf('\r\n\r\n'), skip = 4;
          if (k === -1) { k = s.hbuf.indexOf('\n\n'); skip = 2; }
          if (k === -1) { if (s.hbuf.length > 65536) { settle(false, 'BAD_HEADERS'); sock.destroy(); } return; }
          const head = s.hbuf.slice(0, k);
          str = s.hbuf.slice(k + skip); s.hbuf = ''; s.head = false;
          const status = +(/^HTTP\/\d\.\d (\d{3})/.exec(head) || [])[1];
          s.chunked = /\r?\ntransfer-encoding:[^\r\n]*chunked/i.test(head);
          if (!(status >= 200 && status < 300)) { settle(false, `HTTP_${status || 'BAD'}`); sock.destroy(); return; }
          settle(true);
          if (!str.length) return;
        }
        body(s, str, now);
      }
      sock.on('error', (e) => { if (!settled) settle(false, e.code || 'SOCKET_ERROR'); else if (!finishing) err(`LATE_${e.code || 'ERR'}`); });
      sock.on('close', () => {
        if (s.ok) { s.ok = false; open--; if (!finishing) closedEarly++; }
        settle(false, 'CLOSED_BEFORE_HEADERS');
      });
    });
  }
  async function start() {
    re = new RegExp(W.match);
    if (W.mode === 'fanout') { seen = new Uint8Array(W.count * W.msgs); perSeq = new Uint32Array(W.msgs); }
    for (let i = 0; i < W.count; i += W.batch) {
      if (nowUs() > W.connectDeadline) { err('CONNECT_DEADLINE'); break; }
      const ps = [];
      for (let j = i; j < Math.min(W.count, i + W.batch); j++) ps.push(openSub(j));
      await Promise.all(ps);
      process.send({ type: 'progress', connected, failed });
    }
    process.send({ type: 'ready', connected, failed, errs });
    setInterval(() => process.send({ type: 'stat', unique, events, lastRecv, open }), 100).unref();
  }
  function finish() {
    finishing = true;
    const nz = [];
    for (let i = 0; i < HSIZE; i++) if (hist[i]) nz.push(i, hist[i]);
    const cpu = cpuMark ? process.cpuUsage(cpuMark) : { user: 0, system: 0 };
    process.send({ type: 'final', unique, dup, ooo, foreign, unmatched, events, filtered, maxLat, lastRecv, connected, failed, closedEarly, open, errs, reads: reads - readsMark, hist: nz, perSeq: perSeq ? Array.from(perSeq) : null, cpuUs: cpu.user + cpu.system }, () => {
      // RST instead of FIN: no TIME_WAIT pile-up on the client side between runs
      let pending = 0;
      const done = () => { if (--pending <= 0) process.exit(0); };
      for (const s of subs) {
        if (!s || !s.sock || s.sock.destroyed) continue;
        pending++;
        s.sock.once('close', done);
        try { s.sock.resetAndDestroy(); } catch { s.sock.destroy(); }
      }
      if (pending === 0) process.exit(0);
      setTimeout(() => process.exit(0), 5000).unref();
    });
  }
  process.on('message', (m) => {
    if (m.type === 'init') { W = m.W; if (!W.perSub) W.tg = target(render(W.subUrl, { i: 0, run: W.run })); start(); }
    else if (m.type === 'mark') { cpuMark = process.cpuUsage(); readsMark = reads; }
    else if (m.type === 'finish') finish();
  });
  process.on('disconnect', () => process.exit(0)); // parent gone: stop
}

// ================================ parent ================================
const HELP = `usage: node fanout.mjs [flags]
  --mode fanout|connect-only     (default fanout)
  --sub-url URL                  subscribe URL template; {i}=subscriber index, {run}=random run id
  --sub-header 'K: V'            extra subscribe header (repeatable), e.g. 'Cookie: sid=...';
                                 {i} and {run} are replaced per subscriber
  --subs N                       subscriber connections (default 100)
  --batch B                      open connections B at a time (default 500)
  --workers K                    subscriber child processes (default ceil(N/15000))
  --src-ips N|a,b,c              source addresses: N => 127.0.0.1..127.0.0.N (default ceil(N/20000))
  --pub-url URL                  publish URL template ({run} allowed)
  --pub-method M                 (default POST)
  --pub-body TPL                 body template with {seq} {ts} [{run} {pad}]
                                 (default '{"text":"m{seq} {ts}"}'); {ts} = µs CLOCK_MONOTONIC
  --pub-header 'K: V'            extra publish header (repeatable)
  --pub-content-type T           (default application/json if body starts with '{', else text/plain)
  --msgs M                       messages to publish (default 100)
  --rate R                       messages/s, paced; 0 = unpaced (default 10)
  --inflight F                   max concurrent publish requests (default 64)
  --payload BYTES                padding: replaces {pad}; if absent, appended after {ts} with a space
  --match REGEX                  regex on SSE data, group1=seq group2=ts (default 'm(\\d+) (\\d+)')
  --event NAME                   only count events of this type (default: any)
  --drain S                      stop waiting after S s without new deliveries (default 3)
  --hold S                       settle time before reading RSS after connecting (default 2)
  --ready-timeout S              per-connection wait for response headers (default 15)
  --pub-timeout S                per-publish request timeout (default 30); a timed-out publish
                                 counts as an error, and its deliveries are reported apart
  --timeout S                    overall bound for the whole run (default 120)
  --server-pid PID[,PID]         read VmRSS/CPU of these processes (sum)
  --label TEXT                   copied into the JSON output
  --quiet                        no progress on stderr`;

function parseCli() {
  const { values: v } = parseArgs({
    options: {
      mode: { type: 'string', default: 'fanout' }, 'sub-url': { type: 'string' },
      'sub-header': { type: 'string', multiple: true, default: [] }, subs: { type: 'string', default: '100' },
      batch: { type: 'string', default: '500' }, workers: { type: 'string' }, 'src-ips': { type: 'string' },
      'pub-url': { type: 'string' }, 'pub-method': { type: 'string', default: 'POST' },
      'pub-body': { type: 'string', default: '{"text":"m{seq} {ts}"}' },
      'pub-header': { type: 'string', multiple: true, default: [] }, 'pub-content-type': { type: 'string' },
      msgs: { type: 'string', default: '100' }, rate: { type: 'string', default: '10' },
      inflight: { type: 'string', default: '64' }, payload: { type: 'string', default: '0' },
      match: { type: 'string', default: 'm(\\d+) (\\d+)' }, event: { type: 'string' },
      drain: { type: 'string', default: '3' }, hold: { type: 'string', default: '2' },
      'ready-timeout': { type: 'string', default: '15' }, 'pub-timeout': { type: 'string', default: '30' }, timeout: { type: 'string', default: '120' },
      'server-pid': { type: 'string' }, label: { type: 'string' }, quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (v.help || !v['sub-url']) { console.error(HELP); process.exit(v.help ? 0 : 2); }
  const num = (k, lo, hi) => { const x = Number(v[k]); if (!Number.isFinite(x) || x < lo || x > hi) { console.error(`--${k} must be in [${lo}, ${hi}]`); process.exit(2); } return x; };
  const o = {
    mode: v.mode, subUrl: v['sub-url'], subHeaders: v['sub-header'], subs: num('subs', 1, 1e6), batch: num('batch', 1, 1e5),
    pubUrl: v['pub-url'], pubMethod: v['pub-method'], pubBody: v['pub-body'], pubHeaders: v['pub-header'], pubContentType: v['pub-content-type'],
    msgs: num('msgs', 1, 1e7), rate: num('rate', 0, 1e6), inflight: num('inflight', 1, 4096), payload: num('payload', 0, 1 << 24),
    match: v.match, event: v.event ?? null, drain: num('drain', 0.1, 600), hold: num('hold', 0, 600),
    readyTimeout: num('ready-timeout', 0.1, 600), pubTimeout: num('pub-timeout', 0.1, 600), timeout: num('timeout', 1, 7200), label: v.label ?? null, quiet: v.quiet,
    pids: v['server-pid'] ? v['server-pid'].split(',').map(Number).filter((x) => x > 0) : [],
  };
  if (!['fanout', 'connect-only'].includes(o.mode)) { console.error('--mode fanout|connect-only'); process.exit(2); }
  if (o.mode === 'fanout' && !o.pubUrl) { console.error('--pub-url is required in fanout mode'); process.exit(2); }
  o.workers = v.workers ? num('workers', 1, 64) : Math.max(1, Math.ceil(o.subs / 15000));
  const si = v['src-ips'] ?? String(Math.ceil(o.subs / 20000));
  o.srcIps = si.includes('.') ? si.split(',') : (+si <= 1 ? [] : Array.from({ length: Math.min(+si, 254) }, (_, k) => `127.0.0.${k + 1}`));
  for (const a of o.srcIps) if (!LOOPBACK(a)) { console.error(`source address ${a} is not loopback`); process.exit(2); }
  return o;
}

function procStat(pids) {
  let rss = 0, ticks = 0, syscw = 0, ok = pids.length > 0;
  for (const p of pids) {
    try {
      rss += +(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${p}/status`, 'utf8')) || [0, 0])[1];
      const f = fs.readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1].split(' ');
      ticks += +f[11] + +f[12]; // utime + stime (fields 14, 15)
      try { syscw += +(/syscw:\s+(\d+)/.exec(fs.readFileSync(`/proc/${p}/io`, 'utf8')) || [0, 0])[1]; } catch { syscw = NaN; }
    } catch { ok = false; }
  }
  return ok ? { rss, ticks, syscw } : null;
}
// Busy ticks (1/100 s) of the whole machine, to spot noise from other processes.
function machineBusy() {
  try {
    const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    return f[0] + f[1] + f[2] + f[5] + f[6] + f[7]; // user nice system irq softirq steal
  } catch { return null; }
}
function pct(hist, total, p) {
  if (!total) return null;
  const want = Math.max(1, Math.ceil(p * total));
  let c = 0;
  for (let i = 0; i < hist.length; i++) { c += hist[i]; if (c >= want) return hval(i) / 1000; }
  return null;
}
const r3 = (x) => (x == null || !Number.isFinite(x) ? null : Math.round(x * 1000) / 1000);

async function publishAll(o, run, deadline, log) {
  const tg = target(render(o.pubUrl, { run }));
  const agent = new http.Agent({ keepAlive: true, maxSockets: o.inflight, maxFreeSockets: o.inflight });
  const pad = 'x'.repeat(o.payload);
  let tpl = o.pubBody;
  if (o.payload > 0 && !tpl.includes('{pad}')) tpl = tpl.replace('{ts}', '{ts} {pad}');
  const ct = o.pubContentType ?? (tpl.trimStart().startsWith('{') ? 'application/json' : 'text/plain');
  const extra = {};
  for (const h of o.pubHeaders) { const c = h.indexOf(':'); extra[h.slice(0, c).trim()] = h.slice(c + 1).trim(); }
  const st = { sent: 0, ok: 0, errors: 0, errs: {}, lat: [], first: 0, last: 0, okSeq: new Uint8Array(o.msgs) };
  const one = (seq) => new Promise((resolve) => {
    const ts = Math.round(nowUs());
    if (!st.first) st.first = ts;
    st.last = ts; st.sent++;
    const body = Buffer.from(render(tpl, { seq, ts, run, pad }));
    const fail = (c) => { st.errors++; st.errs[c] = (st.errs[c] || 0) + 1; resolve(); };
    const req = http.request({ host: tg.host, port: tg.port, path: tg.path, method: o.pubMethod, agent,
      headers: { Host: tg.hostHdr, 'Content-Type': ct, 'Content-Length': body.length, ...extra } }, (res) => {
      res.resume();
      res.on('end', () => {
        st.lat.push((nowUs() - ts) / 1000);
        if (res.statusCode >= 200 && res.statusCode < 300) { st.ok++; st.okSeq[seq] = 1; resolve(); } else fail(`HTTP_${res.statusCode}`);
      });
      res.on('error', (e) => fail(e.code || 'RES_ERROR'));
    });
    req.setTimeout(o.pubTimeout * 1000, () => req.destroy(Object.assign(new Error('publish timeout'), { code: 'TIMEOUT' })));
    req.on('error', (e) => fail(e.code || 'REQ_ERROR'));
    req.end(body);
  });
  const t0 = nowUs();
  if (o.rate > 0) {
    const pending = new Set();
    for (let seq = 0; seq < o.msgs; seq++) {
      const wait = (t0 + (seq * 1e6) / o.rate - nowUs()) / 1000;
      if (wait > 0.5) await sleep(wait);
      while (pending.size >= o.inflight) await Promise.race(pending);
      if (nowUs() > deadline) { st.errs.DEADLINE = o.msgs - seq; break; }
      const p = one(seq).then(() => pending.delete(p));
      pending.add(p);
      if (seq % 1000 === 999) log(`published ${seq + 1}/${o.msgs}`);
    }
    await Promise.all(pending);
  } else {
    let next = 0;
    const lane = async () => {
      while (next < o.msgs) {
        if (nowUs() > deadline) { st.errs.DEADLINE = (st.errs.DEADLINE || 0) + 1; return; }
        const seq = next++;
        await one(seq);
        if (seq % 1000 === 999) log(`published ${seq + 1}/${o.msgs}`);
      }
    };
    await Promise.all(Array.from({ length: Math.min(o.inflight, o.msgs) }, lane));
  }
  agent.destroy();
  st.elapsed = (nowUs() - t0) / 1e6;
  return st;
}

async function parent() {
  const o = parseCli();
  const log = o.quiet ? () => {} : (m) => process.stderr.write(`[fanout ${((nowUs() - T0) / 1e6).toFixed(1)}s] ${m}\n`);
  const T0 = nowUs();
  const deadline = T0 + o.timeout * 1e6;
  const run = randomBytes(4).toString('hex');
  target(render(o.subUrl, { i: 0, run }));
  if (o.pubUrl) target(render(o.pubUrl, { run }));
  const hardStop = setTimeout(() => { process.stderr.write('fanout: hard timeout, exiting\n'); process.exit(3); }, (o.timeout + 30) * 1000);
  hardStop.unref();
  const before = procStat(o.pids);

  // --- spawn subscriber children and connect gradually ---
  const K = Math.min(o.workers, o.subs), kids = [];
  const per = Math.ceil(o.subs / K);
  const subHeaders = o.subHeaders.map((h) => h + '\r\n').join('');
  for (let w = 0; w < K; w++) {
    const first = w * per, count = Math.min(per, o.subs - first);
    if (count <= 0) break;
    const cp = fork(fileURLToPath(import.meta.url), [], { env: { ...process.env, FANOUT_CHILD: '1' }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const kid = { cp, count, progress: { connected: 0, failed: 0 }, stat: { unique: 0, events: 0, lastRecv: 0, open: 0 }, ready: null, final: null };
    kid.readyP = new Promise((r) => { kid.readyR = r; });
    kid.finalP = new Promise((r) => { kid.finalR = r; });
    cp.on('message', (m) => {
      if (m.type === 'progress') kid.progress = m;
      else if (m.type === 'ready') { kid.ready = m; kid.readyR(); }
      else if (m.type === 'stat') kid.stat = m;
      else if (m.type === 'final') { kid.final = m; kid.finalR(); }
    });
    cp.on('exit', () => { kid.readyR(); kid.finalR(); });
    cp.send({ type: 'init', W: {
      mode: o.mode, subUrl: o.subUrl, perSub: o.subUrl.includes('{i}'), run, subHeaders, hdrPerSub: /\{(i|run)\}/.test(subHeaders), first, count, msgs: o.msgs,
      batch: Math.max(1, Math.ceil(o.batch / K)), srcIps: o.srcIps, match: o.match, event: o.event,
      minTs: Math.floor(T0), readyTimeoutMs: o.readyTimeout * 1000, connectDeadline: deadline - (o.mode === 'fanout' ? Math.min(10, o.timeout / 2) * 1e6 : 0),
    } });
    kids.push(kid);
  }
  const prog = setInterval(() => {
    const c = kids.reduce((a, k) => a + k.progress.connected, 0), f = kids.reduce((a, k) => a + k.progress.failed, 0);
    log(`connecting: ${c} ok, ${f} failed of ${o.subs}`);
  }, 1000);
  await Promise.all(kids.map((k) => k.readyP));
  clearInterval(prog);
  const tConnected = nowUs();
  const connected = kids.reduce((a, k) => a + (k.ready?.connected || 0), 0);
  const subErrs = {};
  for (const k of kids) for (const [c, n] of Object.entries(k.ready?.errs || {})) subErrs[c] = (subErrs[c] || 0) + n;
  log(`connected ${connected}/${o.subs} in ${((tConnected - T0) / 1e6).toFixed(1)}s; holding ${o.hold}s`);
  await sleep(o.hold * 1000);
  const afterConnect = procStat(o.pids);

  const out = { label: o.label, mode: o.mode, date: new Date().toISOString(), sub_url: o.subUrl, subs_requested: o.subs, subs_connected: connected, sub_errors: subErrs, connect_s: r3((tConnected - T0) / 1e6), workers: kids.length, src_ips: o.srcIps.length || 1 };
  if (before && afterConnect) {
    out.server_rss_kib_before = before.rss; out.server_rss_kib_connected = afterConnect.rss;
    out.kib_per_conn = connected ? r3((afterConnect.rss - before.rss) / connected) : null;
  }

  if (o.mode === 'fanout') {
    const cpu0 = process.cpuUsage(), s0 = procStat(o.pids), m0 = machineBusy(), tCpu0 = nowUs();
    for (const k of kids) if (k.cp.connected) k.cp.send({ type: 'mark' });
    log(`publishing ${o.msgs} msgs at ${o.rate || 'max'} msg/s`);
    const pub = await publishAll(o, run, deadline - 2e6, log);
    const expected = connected * pub.ok;
    log(`published ${pub.ok} ok / ${pub.errors} errors in ${pub.elapsed.toFixed(2)}s; draining (expect ${expected})`);
    let lastU = -1, lastChange = nowUs();
    for (;;) {
      const u = kids.reduce((a, k) => a + k.stat.unique, 0);
      if (u !== lastU) { lastU = u; lastChange = nowUs(); }
      if (u >= expected) break;
      if (nowUs() - lastChange > o.drain * 1e6) { log(`drain: no progress for ${o.drain}s`); break; }
      if (nowUs() > deadline) { out.timed_out = true; log('overall timeout'); break; }
      await sleep(50);
    }
    const s1 = procStat(o.pids), cpu1 = process.cpuUsage(cpu0), m1 = machineBusy(), cpuS = (nowUs() - tCpu0) / 1e6;
    for (const k of kids) if (k.cp.connected) k.cp.send({ type: 'finish' });
    await Promise.race([Promise.all(kids.map((k) => k.finalP)), sleep(15000)]);
    const hist = new Float64Array(HSIZE), perSeq = new Float64Array(o.msgs);
    const F = { unique: 0, dup: 0, ooo: 0, foreign: 0, unmatched: 0, events: 0, filtered: 0, closedEarly: 0, maxLat: 0, lastRecv: 0, cpuUs: 0, reads: 0 };
    for (const k of kids) {
      const f = k.final;
      if (!f) { out.missing_worker_results = (out.missing_worker_results || 0) + 1; continue; }
      for (const key of ['unique', 'dup', 'ooo', 'foreign', 'unmatched', 'events', 'filtered', 'closedEarly', 'cpuUs', 'reads']) F[key] += f[key];
      F.maxLat = Math.max(F.maxLat, f.maxLat); F.lastRecv = Math.max(F.lastRecv, f.lastRecv);
      for (let i = 0; i < f.hist.length; i += 2) hist[f.hist[i]] += f.hist[i + 1];
      if (f.perSeq) for (let i = 0; i < f.perSeq.length; i++) perSeq[i] += f.perSeq[i];
      for (const [c, n] of Object.entries(f.errs)) if (c.startsWith('LATE_')) subErrs[c] = (subErrs[c] || 0) + n;
    }
    let deliveredOk = 0, fully = 0;
    for (let i = 0; i < o.msgs; i++) if (pub.okSeq[i]) { deliveredOk += perSeq[i]; if (perSeq[i] >= connected) fully++; }
    const windowS = F.lastRecv > pub.first ? (F.lastRecv - pub.first) / 1e6 : pub.elapsed;
    pub.lat.sort((a, b) => a - b);
    const q = (p) => (pub.lat.length ? r3(pub.lat[Math.min(pub.lat.length - 1, Math.floor(p * pub.lat.length))]) : null);
    Object.assign(out, {
      pub_url: o.pubUrl, msgs_requested: o.msgs, rate: o.rate, inflight: o.inflight, payload: o.payload,
      msgs_published: pub.ok, publish_errors: pub.errors, publish_error_codes: pub.errs,
      publish_s: r3(pub.elapsed), publish_rate_actual: r3(pub.ok / pub.elapsed),
      publish_ms_p50: q(0.5), publish_ms_p99: q(0.99),
      // expected/delivered/lost count only messages whose publish returned 2xx; deliveries of
      // messages whose publish failed or timed out are reported as delivered_unacked
      expected, delivered: deliveredOk, lost: expected - deliveredOk, delivered_unacked: F.unique - deliveredOk,
      msgs_fully_delivered: fully, duplicates: F.dup, out_of_order: F.ooo,
      foreign: F.foreign, unmatched_events: F.unmatched, filtered_events: F.filtered, closed_early: F.closedEarly,
      window_s: r3(windowS), deliveries_per_s: r3(F.unique / windowS),
      latency_ms: { p50: r3(pct(hist, F.unique, 0.5)), p90: r3(pct(hist, F.unique, 0.9)), p99: r3(pct(hist, F.unique, 0.99)), max: r3(F.maxLat / 1000) },
      // % of one core over the publish+drain wall time: parent (publisher) and subscriber children
      client_cpu_pct: r3(((cpu1.user + cpu1.system + F.cpuUs) / 1e6 / cpuS) * 100),
      publisher_cpu_pct: r3(((cpu1.user + cpu1.system) / 1e6 / cpuS) * 100),
    });
    if (s0 && s1) out.server_cpu_pct = r3(((s1.ticks - s0.ticks) / 100 / cpuS) * 100);
    // CPU cost per delivery: comparable between servers even when a run is CPU-bound
    if (F.unique) {
      if (s0 && s1) out.server_us_per_delivery = r3(((s1.ticks - s0.ticks) * 1e4) / F.unique);
      out.client_us_per_delivery = r3((cpu1.user + cpu1.system + F.cpuUs) / F.unique);
      // batching diagnostics: >1 means several SSE frames per socket write / read
      if (s0 && s1 && Number.isFinite(s1.syscw - s0.syscw) && s1.syscw > s0.syscw) out.deliveries_per_server_write = r3(F.unique / (s1.syscw - s0.syscw));
      if (F.reads) out.deliveries_per_client_read = r3(F.unique / F.reads);
    }
    if (m0 !== null && m1 !== null) {
      out.machine_busy_pct = r3(((m1 - m0) / 100 / cpuS) * 100); // all cores: 200 = both busy
      out.other_cpu_pct = r3(out.machine_busy_pct - out.client_cpu_pct - (out.server_cpu_pct ?? 0));
    }
  } else {
    for (const k of kids) if (k.cp.connected) k.cp.send({ type: 'finish' });
    await Promise.race([Promise.all(kids.map((k) => k.finalP)), sleep(15000)]);
    out.closed_early = kids.reduce((a, k) => a + (k.final?.closedEarly || 0), 0);
    out.connect_rate_per_s = r3(connected / ((tConnected - T0) / 1e6));
  }
  await sleep(500);
  const end = procStat(o.pids);
  if (end) out.server_rss_kib_end = end.rss;
  out.total_s = r3((nowUs() - T0) / 1e6);
  process.stdout.write(JSON.stringify(out) + '\n');
  // let children close their sockets (RST) and exit by themselves; kill only stragglers
  await Promise.race([Promise.all(kids.map((k) => (k.cp.exitCode !== null ? null : new Promise((r) => k.cp.once('exit', r))))), sleep(10000)]);
  for (const k of kids) if (k.cp.exitCode === null) k.cp.kill();
  process.exit(0);
}

if (process.env.FANOUT_CHILD === '1') child();
else parent().catch((e) => { console.error(`fanout: ${e.stack || e}`); process.exit(1); });
