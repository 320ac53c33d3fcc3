#!/usr/bin/env node
// bench/webhooks.mjs — outgoing webhooks (API v1.1 §6): delivery throughput, latency and exactness, and the
// drain of a large backlog. Per case a fresh Natter server (taskset -c 0, fresh SQLite file or a fresh
// PostgreSQL database, every rate limit off, NATTER_FETCH_ALLOW=127.0.0.1 so it may post to the local
// receiver) and a receiver in a child process of this bench (node:http, keep-alive, answers 204 at once,
// verifies every Standard Webhooks signature), both pinned with the bench to the client CPU (1).
//
//   throughput: --hooks 1,10,100 outgoing hooks (`events:["message"]`), at most 20 per room (the server's
//     limit), so 100 hooks sit in 5 rooms; --messages (2,000) are posted round-robin over those rooms by
//     --clients (32) keep-alive clients as fast as the API answers, while the hooks deliver. Measured at the
//     receiver: deliveries/s from the first to the last delivery, latency = arrival − the message's
//     created_at (p50/p95/p99/max), and per hook: every message of its room exactly once, in seq order.
//   paced: --paced-hooks (1) hook, --paced-rate (20) msg/s for --paced-s (10) s: the latency when the hook keeps up.
//   drain: one hook, paused (PATCH active:false, so no retry backoff is involved) while --drain-messages
//     (100,000; --drain-messages-pg 60,000 on PostgreSQL, whose serialised posts load ~300/s here) are posted
//     by --drain-clients (64) clients (load time measured; loading stops at --load-max-s), then resumed (PATCH
//     active:true): time until the receiver has all of them, events/s, in order, none missing, none twice;
//     the server's RSS before and after the drain.
//
// One JSON line per case → --out (default bench/results/webhooks.jsonl); a summary on stderr.
//
//   node bench/webhooks.mjs                                  # sqlite, throughput + paced + drain, 1 rep
//   node bench/webhooks.mjs --store sqlite,postgres --reps 2
//   node bench/webhooks.mjs --cases throughput --hooks 100 --messages 5000
//   node bench/webhooks.mjs --cases drain --drain-messages 20000 --prof /tmp/prof-hooks   (server --cpu-prof)
import { fork } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SELF = fileURLToPath(import.meta.url);

// ======================================================================== receiver (child process)
if (process.argv[2] === '--receiver') {
  const wall = () => performance.timeOrigin + performance.now();
  let keys = new Map(); // hook id → HMAC key
  let hooks = new Map(); // hook id → {seq: [], at: [], created: []}
  let count = 0, first = null, last = null, badSig = 0, idMismatch = 0, badBody = 0, wrongType = 0, unknownHook = 0;
  const server = http.createServer({ keepAliveTimeout: 120_000 }, (req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const at = wall();
      res.writeHead(204).end();
      const body = Buffer.concat(chunks).toString('utf8');
      count++;
      if (first === null) first = at;
      last = at;
      let d;
      try { d = JSON.parse(body); } catch { badBody++; return; }
      const id = req.headers['webhook-id'], ts = req.headers['webhook-timestamp'], sig = req.headers['webhook-signature'];
      const key = keys.get(d.hook_id);
      if (!key) { unknownHook++; return; }
      const want = `v1,${createHmac('sha256', key).update(`${id}.${ts}.${body}`).digest('base64')}`;
      if (!String(sig).split(' ').includes(want)) badSig++;
      if (d.event?.id !== id) idMismatch++;
      if (d.event?.type !== 'message') { wrongType++; return; }
      const m = d.event.data.message;
      let h = hooks.get(d.hook_id);
      if (!h) hooks.set(d.hook_id, (h = { seq: [], at: [], created: [], room: m.room }));
      h.seq.push(m.seq);
      h.at.push(at);
      h.created.push(Date.parse(m.created_at));
    });
  });
  server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
  process.on('message', (msg) => {
    if (msg.cmd === 'reset') {
      keys = new Map(Object.entries(msg.secrets).map(([id, s]) => [id, Buffer.from(s.replace(/^whsec_/, ''), 'base64')]));
      hooks = new Map();
      count = 0; first = null; last = null; badSig = 0; idMismatch = 0; badBody = 0; wrongType = 0; unknownHook = 0;
      process.send({ ok: true });
    } else if (msg.cmd === 'count') {
      process.send({ count, first, last });
    } else if (msg.cmd === 'dump') {
      process.send({ count, first, last, badSig, idMismatch, badBody, wrongType, unknownHook, hooks: Object.fromEntries(hooks) });
    } else if (msg.cmd === 'exit') {
      server.close();
      server.closeAllConnections();
      process.exit(0);
    }
  });
} else {
  await main();
}

// ======================================================================== bench
async function main() {
  const { ROOT, cpuWindow, flags, gitRev, makeUsers, nowMs, percentiles, pool, request, rssKiB, sleep, startNatter, waitQuiet, pinSelf } = await import('./lib.mjs');
  const o = flags(process.argv.slice(2), {
    store: 'sqlite', cases: 'throughput,paced,drain', reps: 1, hooks: '1,10,100', messages: 2000, clients: 32, users: 20,
    'drain-messages': 100000, 'drain-messages-pg': 60000, 'drain-clients': 64, 'load-max-s': 300, 'deliver-max-s': 600, 'settle-ms': 1500,
    label: 'webhooks', out: join(ROOT, 'bench/results/webhooks.jsonl'), pg: process.env.NATTER_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    'server-cpu': '0', 'client-cpu': '1', prof: '', 'quiet-pct': 15, 'quiet-max': 60, 'text-len': 120, 'paced-rate': 20, 'paced-s': 10, 'paced-hooks': 1, preload: '', 'server-root': '', 'rep-start': 1,
  });
  if (o.help) {
    console.log(`usage: node bench/webhooks.mjs [--store sqlite|postgres|sqlite,postgres] [--cases throughput,paced,drain] [--reps 1]
  [--hooks 1,10,100] [--messages 2000] [--clients 32] [--users 20]
  [--drain-messages 100000] [--drain-messages-pg 60000] [--drain-clients 64] [--load-max-s 300] [--deliver-max-s 600]
  [--cases paced: --paced-rate 20 --paced-s 10 --paced-hooks 1] (latency at a light, steady load)
  [--label L] [--out FILE] [--pg URL (maintenance db)] [--server-cpu 0|none] [--client-cpu 1|none] [--prof DIR]
  [--quiet-pct 15] [--quiet-max 60] [--text-len 120] [--preload MODULE] (an experiment imported into the server first)
  [--server-root DIR] (run that checkout's src/main.ts, e.g. a clone of the commit to measure) [--rep-start 1] (number of the first rep)`);
    process.exit(0);
  }
  // Re-run pinned to the client CPU; the receiver (forked) inherits the affinity.
  const unpinned = (v) => v === '' || v === true || v === 'none';
  pinSelf(o['client-cpu']);
  const log = (s) => process.stderr.write(`${s}\n`);
  const wall = () => performance.timeOrigin + performance.now();
  const serverRoot = o['server-root'] || ROOT;
  const commit = gitRev(serverRoot);
  const pg = (await import('pg')).default;

  async function admin(sql) {
    const c = new pg.Client({ connectionString: o.pg });
    await c.connect();
    try { return (await c.query(sql)).rows; } finally { await c.end(); }
  }

  // ---- receiver
  const rcv = fork(SELF, ['--receiver'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const replies = [];
  rcv.on('message', (m) => replies.shift()?.(m));
  const ask = (msg) => new Promise((r) => { replies.push(r); rcv.send(msg); });
  const rcvPort = await new Promise((r) => replies.push((m) => r(m.port)));
  log(`receiver :${rcvPort} (pid ${rcv.pid})`);

  const ticks = (pid) => {
    try { const f = readFileSync(`/proc/${pid}/stat`, 'utf8'); const a = f.slice(f.lastIndexOf(')') + 2).split(' '); return Number(a[11]) + Number(a[12]); } catch { return 0; }
  };

  // ---- texts: ~text-len characters, deterministic
  const WORDS = 'deploy build fix test release merge review branch issue ticket meeting today tomorrow thanks server client stream latency cache database query index rollback staging alert café naïve 👍 🚀'.split(' ');
  let seed = 0x9e3779b9;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const text = (i) => { let s = `m${i}`; while (s.length < o['text-len']) s += ` ${WORDS[Math.floor(rnd() * WORDS.length)]}`; return s; };

  /** Post `n` messages, message i to rooms[i % rooms.length] by users[i % users.length], `clients` at a time; seqs per room. */
  async function postAll(port, users, rooms, n, clients, maxS, rate = 0) {
    const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
    const seqs = new Map(rooms.map((r) => [r, []]));
    const errors = {};
    let ok = 0, next = 0, firstAt = null, lastAt = null;
    const deadline = nowMs() + maxS * 1000;
    const t0 = wall();
    await Promise.all(Array.from({ length: clients }, async () => {
      while (next < n && nowMs() < deadline) {
        const i = next++;
        if (rate) { const wait = t0 + (i * 1000) / rate - wall(); if (wait > 0) await sleep(wait); }
        const room = rooms[i % rooms.length], u = users[i % users.length];
        const payload = Buffer.from(JSON.stringify({ text: text(i) }));
        const r = await new Promise((res) => {
          const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: `/api/v1/rooms/${room}/messages`, agent,
            headers: { 'content-type': 'application/json', 'content-length': payload.length, authorization: `Bearer ${u.token}` } }, (rs) => {
            const chunks = [];
            rs.on('data', (c) => chunks.push(c));
            rs.on('end', () => res({ status: rs.statusCode, body: Buffer.concat(chunks).toString('utf8') }));
            rs.on('error', () => res({ status: 'RES_ERR' }));
          });
          req.setTimeout(30000, () => req.destroy(new Error('TIMEOUT')));
          req.on('error', (e) => res({ status: e.code ?? e.message }));
          req.end(payload);
        });
        if (r.status === 201) {
          ok++;
          const at = wall();
          firstAt ??= at;
          lastAt = at;
          seqs.get(room).push(JSON.parse(r.body).message.seq);
        } else errors[r.status] = (errors[r.status] ?? 0) + 1;
      }
    }));
    agent.destroy();
    const s = (wall() - t0) / 1000;
    return { ok, errors, seqs, t0, firstAt, lastAt, seconds: +s.toFixed(3), per_s: Math.round(ok / s), stopped_early: next < n };
  }

  /** Wait until the receiver counted `expected` deliveries (or no progress for 60 s, or maxS), then settle and dump. */
  async function collect(expected, maxS) {
    const deadline = nowMs() + maxS * 1000;
    let last = -1, lastChange = nowMs();
    for (;;) {
      const c = await ask({ cmd: 'count' });
      if (c.count !== last) { last = c.count; lastChange = nowMs(); }
      if (c.count >= expected || nowMs() > deadline || nowMs() - lastChange > 60_000) break;
      await sleep(20);
    }
    const done = wall();
    await sleep(o['settle-ms']); // late duplicates would show up here
    return { done, dump: await ask({ cmd: 'dump' }) };
  }

  /** Per hook: compare what arrived with the room's posted seqs. */
  function check(dump, hookRooms, seqs) {
    let duplicates = 0, missing = 0, outOfOrder = 0, unexpected = 0, delivered = 0;
    const lat = [];
    for (const [id, room] of hookRooms) {
      const want = new Set(seqs.get(room));
      const h = dump.hooks[id] ?? { seq: [], at: [], created: [] };
      const seen = new Set();
      let max = -Infinity;
      for (let i = 0; i < h.seq.length; i++) {
        const q = h.seq[i];
        delivered++;
        if (seen.has(q)) { duplicates++; continue; }
        seen.add(q);
        if (!want.has(q)) unexpected++;
        if (q < max) outOfOrder++;
        max = Math.max(max, q);
        lat.push(h.at[i] - h.created[i]);
      }
      for (const q of want) if (!seen.has(q)) missing++;
    }
    return { delivered, duplicates, missing, out_of_order: outOfOrder, unexpected, lat };
  }

  async function withServer(store, fn) {
    let dbName = null, databaseUrl = null;
    if (store === 'postgres') {
      dbName = `natter_bench_hooks_${process.pid}_${Date.now() % 1e6}`;
      await admin(`CREATE DATABASE ${dbName}`);
      databaseUrl = Object.assign(new URL(o.pg), { pathname: `/${dbName}` }).toString();
    }
    const prof = o.prof ? join(o.prof, `${store}-${Date.now()}`) : null;
    const natter = await startNatter({
      cpu: unpinned(o['server-cpu']) ? null : String(o['server-cpu']), databaseUrl, cpuProf: prof, preload: o.preload || null, root: serverRoot,
      env: { NATTER_FETCH_ALLOW: '127.0.0.1', NATTER_POST_RATE: '0', NATTER_ACTION_RATE: '0', NATTER_AUTH_RATE: '0', LOG_LEVEL: 'warn' },
    });
    try {
      return await fn(natter);
    } finally {
      await natter.stop();
      if (prof) log(`   profile in ${prof}`);
      if (dbName) await admin(`DROP DATABASE IF EXISTS ${dbName}`).catch((e) => log(`drop ${dbName}: ${e.message}`));
    }
  }

  /** Users (the first owns the rooms and the hooks), rooms that every user joins, and hooks spread over them (≤ 20 per room). */
  async function setup(natter, nHooks, nRooms, prefix) {
    const port = natter.port;
    const users = await makeUsers(port, o.users, { prefix });
    const owner = users[0];
    const rooms = Array.from({ length: nRooms }, (_, i) => `${prefix}-room-${i}`);
    for (const name of rooms) {
      const r = await request({ port, method: 'POST', path: '/api/v1/rooms', token: owner.token, body: { name, visibility: 'public' } });
      if (r.status !== 201) throw new Error(`create ${name}: ${r.status} ${JSON.stringify(r.body)}`);
    }
    await pool(users.slice(1).flatMap((u) => rooms.map((name) => [u, name])), 8, async ([u, name]) => {
      const r = await request({ port, method: 'POST', path: `/api/v1/rooms/${name}/join`, token: u.token });
      if (r.status !== 200) throw new Error(`join ${name}: ${r.status}`);
    });
    const hookRooms = new Map(), secrets = {};
    for (let i = 0; i < nHooks; i++) {
      const room = rooms[i % nRooms];
      const r = await request({ port, method: 'POST', path: `/api/v1/rooms/${room}/hooks`, token: owner.token,
        body: { kind: 'outgoing', url: `http://127.0.0.1:${rcvPort}/hook/${i}`, events: ['message'] } });
      if (r.status !== 201) throw new Error(`hook ${i} in ${room}: ${r.status} ${JSON.stringify(r.body)}`);
      hookRooms.set(r.body.hook.id, room);
      secrets[r.body.hook.id] = r.body.hook.secret;
    }
    await ask({ cmd: 'reset', secrets });
    return { users, owner, rooms, hookRooms };
  }

  async function hookState(port, token, hookRooms) {
    let backlog = 0, waiting = 0, failed = 0;
    for (const [id, room] of hookRooms) {
      const r = await request({ port, method: 'GET', path: `/api/v1/rooms/${room}/hooks/${id}`, token });
      backlog += r.body.hook.backlog;
      if (r.body.hook.next_attempt_at) waiting++;
      if (r.body.hook.last_delivery?.error) failed++;
    }
    return { backlog_after: backlog, hooks_waiting_retry: waiting, hooks_last_failed: failed };
  }

  const base = (store) => ({ bench: 'webhooks', label: o.label, store, node: process.version, commit, at: new Date().toISOString(), ...(o.preload ? { preload: o.preload } : {}) });
  const ms = (x) => (x == null ? null : +x.toFixed(1));
  const write = (line) => {
    mkdirSync(dirname(o.out), { recursive: true });
    appendFileSync(o.out, `${JSON.stringify(line)}\n`);
  };

  async function throughput(store, nHooks, rep, { kind = 'throughput', messages = o.messages, clients = o.clients, rate = 0 } = {}) {
    return withServer(store, async (natter) => {
      const nRooms = Math.ceil(nHooks / 20);
      const { users, owner, hookRooms } = await setup(natter, nHooks, nRooms, `${kind[0]}${nHooks}`);
      const rooms = [...new Set(hookRooms.values())];
      const quiet = await waitQuiet({ pct: o['quiet-pct'], maxS: o['quiet-max'] });
      const stopCpu = cpuWindow(natter.pid);
      const r0 = ticks(rcv.pid);
      const rss0 = rssKiB(natter.pid);
      const posted = await postAll(natter.port, users, rooms, messages, clients, o['load-max-s'], rate);
      const expected = [...hookRooms.values()].reduce((a, room) => a + posted.seqs.get(room).length, 0);
      const { done, dump } = await collect(expected, o['deliver-max-s']);
      const cpu = stopCpu();
      const rcvCpuPct = Math.round(((ticks(rcv.pid) - r0) / 100 / cpu.window_s) * 100);
      const c = check(dump, hookRooms, posted.seqs);
      const state = await hookState(natter.port, owner.token, hookRooms);
      const seconds = (dump.last - dump.first) / 1000;
      const L = percentiles(c.lat, [50, 95, 99]);
      const line = {
        ...base(store), case: kind, rep, hooks: nHooks, ...(rate ? { rate } : {}), rooms: nRooms, messages: posted.ok, events: expected,
        delivered: c.delivered, complete: c.delivered - c.duplicates - c.unexpected === expected && c.missing === 0,
        seconds: +seconds.toFixed(3), per_s: Math.round(c.delivered / seconds),
        p50_ms: ms(L.p50), p95_ms: ms(L.p95), p99_ms: ms(L.p99), max_ms: ms(L.max),
        duplicates: c.duplicates, missing: c.missing, out_of_order: c.out_of_order, unexpected: c.unexpected,
        bad_signatures: dump.badSig, id_mismatch: dump.idMismatch, other_deliveries: dump.wrongType + dump.unknownHook + dump.badBody,
        post_s: posted.seconds, post_per_s: posted.per_s, post_errors: posted.errors, clients,
        // from the first post sent to the last delivery, and from the last 201 to the last delivery
        end_to_end_s: +((dump.last - posted.t0) / 1000).toFixed(3), tail_after_posts_s: +((dump.last - posted.lastAt) / 1000).toFixed(3),
        first_delivery_after_first_post_ms: ms(dump.first - posted.firstAt),
        ...state, server_warnings: (natter.output().match(/MaxListenersExceededWarning[^\n]*/g) ?? []).slice(0, 2), server_rss_mib: { before: +(rss0 / 1024).toFixed(1), after: +(rssKiB(natter.pid) / 1024).toFixed(1) },
        server_us_per_delivery: +((cpu.server_cpu_pct / 100) * cpu.window_s * 1e6 / Math.max(1, c.delivered)).toFixed(1),
        ...cpu, receiver_cpu_pct: rcvCpuPct, other_cpu_pct: cpu.other_cpu_pct - rcvCpuPct, ...quiet,
      };
      void done;
      write(line);
      log(`  ${store} ${kind} ${nHooks} hooks: ${line.delivered}/${expected} in ${line.seconds} s = ${line.per_s}/s, latency p50 ${line.p50_ms} p99 ${line.p99_ms} ms, dup ${line.duplicates} missing ${line.missing} ooo ${line.out_of_order}; posts ${line.post_per_s}/s; server CPU ${cpu.server_cpu_pct} %, other ${line.other_cpu_pct} %`);
      return line;
    });
  }

  async function drain(store, rep) {
    return withServer(store, async (natter) => {
      const port = natter.port;
      const { users, owner, hookRooms } = await setup(natter, 1, 1, 'd');
      const [[hookId, room]] = [...hookRooms];
      const path = `/api/v1/rooms/${room}/hooks/${hookId}`;
      const p = await request({ port, method: 'PATCH', path, token: owner.token, body: { active: false } });
      if (p.status !== 200 || p.body.hook.active !== false) throw new Error(`pause: ${p.status} ${JSON.stringify(p.body)}`);
      const nDrain = store === 'postgres' ? o['drain-messages-pg'] : o['drain-messages'];
      log(`  ${store} drain: loading ${nDrain} messages with ${o['drain-clients']} clients (hook paused)`);
      const cpuLoad = cpuWindow(natter.pid);
      const posted = await postAll(port, users, [room], nDrain, o['drain-clients'], o['load-max-s']);
      const load = cpuLoad();
      log(`   loaded ${posted.ok} in ${posted.seconds} s (${posted.per_s}/s)${posted.stopped_early ? ' (stopped at --load-max-s)' : ''}`);
      const g = await request({ port, method: 'GET', path, token: owner.token, timeoutMs: 120000 });
      const backlogBefore = g.body.hook.backlog;
      const early = await ask({ cmd: 'count' });
      const quiet = await waitQuiet({ pct: o['quiet-pct'], maxS: o['quiet-max'] });
      const stopCpu = cpuWindow(natter.pid);
      const r0 = ticks(rcv.pid);
      const rss0 = rssKiB(natter.pid);
      const resumeAt = wall();
      const q = await request({ port, method: 'PATCH', path, token: owner.token, body: { active: true } });
      if (q.status !== 200) throw new Error(`resume: ${q.status}`);
      const { dump } = await collect(posted.ok, o['deliver-max-s']);
      const cpu = stopCpu();
      const rcvCpuPct = Math.round(((ticks(rcv.pid) - r0) / 100 / cpu.window_s) * 100);
      const c = check(dump, hookRooms, posted.seqs);
      const g2 = await request({ port, method: 'GET', path, token: owner.token, timeoutMs: 120000 });
      const seconds = (dump.last - resumeAt) / 1000;
      const line = {
        ...base(store), case: 'drain', rep, hooks: 1, rooms: 1, messages: posted.ok, events: posted.ok,
        delivered: c.delivered, complete: c.delivered - c.duplicates - c.unexpected === posted.ok && c.missing === 0,
        seconds: +seconds.toFixed(3), per_s: Math.round(c.delivered / seconds),
        first_delivery_after_resume_ms: ms(dump.first - resumeAt), first_to_last_s: +((dump.last - dump.first) / 1000).toFixed(3),
        duplicates: c.duplicates, missing: c.missing, out_of_order: c.out_of_order, unexpected: c.unexpected,
        bad_signatures: dump.badSig, id_mismatch: dump.idMismatch, other_deliveries: dump.wrongType + dump.unknownHook + dump.badBody, delivered_while_paused: early.count,
        load_s: posted.seconds, load_per_s: posted.per_s, load_clients: o['drain-clients'], load_errors: posted.errors,
        load_server_cpu_pct: load.server_cpu_pct, load_other_cpu_pct: load.other_cpu_pct,
        backlog_before: backlogBefore, get_hook_ms: ms(g.ms), backlog_after: g2.body.hook.backlog, cursor_after: g2.body.hook.cursor,
        last_delivery: g2.body.hook.last_delivery,
        server_rss_mib: { before: +(rss0 / 1024).toFixed(1), after: +(rssKiB(natter.pid) / 1024).toFixed(1) },
        server_warnings: (natter.output().match(/MaxListenersExceededWarning[^\n]*/g) ?? []).slice(0, 2),
        server_us_per_delivery: +((cpu.server_cpu_pct / 100) * cpu.window_s * 1e6 / Math.max(1, c.delivered)).toFixed(1),
        ...cpu, receiver_cpu_pct: rcvCpuPct, other_cpu_pct: cpu.other_cpu_pct - rcvCpuPct, ...quiet,
      };
      write(line);
      log(`  ${store} drain: ${line.delivered}/${posted.ok} in ${line.seconds} s = ${line.per_s}/s (first after ${line.first_delivery_after_resume_ms} ms), dup ${line.duplicates} missing ${line.missing} ooo ${line.out_of_order}; load ${posted.per_s}/s; server CPU ${cpu.server_cpu_pct} %, other ${line.other_cpu_pct} %`);
      return line;
    });
  }

  let failed = false;
  try {
    const stores = String(o.store).split(',');
    const cases = String(o.cases).split(',');
    const hookCounts = String(o.hooks).split(',').map(Number);
    for (let rep = o['rep-start']; rep < o['rep-start'] + o.reps; rep++) {
      for (const store of stores) {
        if (cases.includes('throughput')) for (const n of hookCounts) await throughput(store, n, rep);
        if (cases.includes('paced')) await throughput(store, o['paced-hooks'], rep, { kind: 'paced', messages: Math.round(o['paced-rate'] * o['paced-s']), clients: 8, rate: o['paced-rate'] });
        if (cases.includes('drain')) await drain(store, rep);
      }
    }
  } catch (err) {
    failed = true;
    console.error(err);
  } finally {
    if (rcv.exitCode === null) {
      const gone = new Promise((r) => rcv.once('exit', r));
      rcv.send({ cmd: 'exit' });
      const t = setTimeout(() => rcv.kill('SIGKILL'), 5000);
      await gone;
      clearTimeout(t);
    }
  }
  process.exit(failed ? 1 : 0);
}
