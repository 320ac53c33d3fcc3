// Where the memory of an idle event stream goes (issue 17 target 5): a fresh Natter server (CPU 0) with
// bench/tools/mem-probe.cjs preloaded; this process (CPU 1) opens idle streams in steps (e.g. 0, 2000, 4000,
// 8000, 16000), waits for each stream's `ready` and its cursor block, lets the server settle, and asks the probe
// for a sample (before and after a full GC). Prints one JSON line per step, with the growth per stream since
// the previous step, and appends it to --out.
//
//   flock /tmp/natter-bench.lock node bench/tools/mem-idle.mjs --steps 0,2000,4000,8000,16000 [--root DIR]
//     [--env K=V,K=V] [--settle 2] [--snap DIR] [--label L] [--out FILE]
import { appendFileSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { ROOT, flags, gitRev, makeUsers, pinSelf, sleep, startNatter } from '../lib.mjs';

const f = flags(process.argv.slice(2), { steps: '0,2000,4000,8000,16000', root: ROOT, env: '', settle: '2', snap: '', label: 'natter', out: '', cpu: '1' });
pinSelf(f.cpu);
const steps = f.steps.split(',').map(Number);
const extraEnv = Object.fromEntries(f.env ? f.env.split(',').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]) : []);
const probeOut = join(tmpdir(), `mem-idle-${process.pid}.jsonl`);
const env = {
  ...extraEnv,
  NODE_OPTIONS: `${extraEnv.NODE_OPTIONS ?? ''} --require ${join(ROOT, 'bench/tools/mem-probe.cjs')}`.trim(),
  MEM_PROBE_OUT: probeOut,
  ...(f.snap ? { MEM_PROBE_SNAP: f.snap } : {}),
};
const server = await startNatter({ env, root: f.root });
const [user] = await makeUsers(server.port, 1, { prefix: 'mem' });
const req = Buffer.from(`GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\nAuthorization: Bearer ${user.token}\r\n\r\n`);
const socks = [];

/** One idle stream: resolves once the cursor block after `ready` arrived. */
function open() {
  return new Promise((resolve, reject) => {
    const s = net.connect(server.port, '127.0.0.1');
    let got = '';
    const onData = (b) => {
      got += b;
      if (/event: ready\n[^]*\nid: /.test(got)) { s.off('data', onData); s.on('data', () => {}); resolve(s); }
    };
    s.on('data', onData);
    s.once('error', reject);
    s.write(req);
  });
}

async function probe(tag) {
  const before = (() => { try { return readFileSync(probeOut, 'utf8').split('\n').filter(Boolean).length; } catch { return 0; } })();
  process.kill(server.pid, 'SIGUSR2');
  for (let i = 0; i < 3000; i++) {
    await sleep(100);
    let lines = [];
    try { lines = readFileSync(probeOut, 'utf8').split('\n').filter(Boolean); } catch {}
    if (lines.length > before) return JSON.parse(lines.at(-1));
  }
  throw new Error(`no probe line for ${tag}:\n${server.output()}`);
}

const flat = (p) => ({
  rss: p.vmrss_kib, anon: p.rss_anon_kib, brk: p.maps_kib.brk_heap, arenas: p.maps_kib.arenas, other_anon: p.maps_kib.other_anon,
  heap_used: p.heap.used / 1024, heap_total: p.heap.total / 1024, heap_physical: p.heap.physical / 1024, external: p.heap.external / 1024,
  new_space: p.spaces.new_space.physical / 1024, old_space: p.spaces.old_space.physical / 1024, old_used: p.spaces.old_space.used / 1024,
});
const perStream = (a, b, n) => Object.fromEntries(Object.keys(a).map((k) => [k, Math.round(((b[k] - a[k]) / n) * 1000) / 1000]));

let prev = null;
const rev = gitRev(f.root);
try {
  for (const n of steps) {
    while (socks.length < n) {
      const batch = Math.min(200, n - socks.length);
      socks.push(...(await Promise.all(Array.from({ length: batch }, open))));
    }
    await sleep(Number(f.settle) * 1000);
    const p = await probe(`s${n}`);
    const now = { streams: n, sockets: p.sockets, ...flat(p), gc: flat(p.after_gc) };
    const line = { label: f.label, rev, env: extraEnv, ...now };
    if (prev && n > prev.streams) {
      line.kib_per_stream = perStream({ ...prev, gc: undefined }, { ...now, gc: undefined }, n - prev.streams);
      delete line.kib_per_stream.gc; delete line.kib_per_stream.streams; delete line.kib_per_stream.sockets;
      line.kib_per_stream_after_gc = perStream(prev.gc, now.gc, n - prev.streams);
    }
    console.log(JSON.stringify(line));
    if (f.out) appendFileSync(f.out, JSON.stringify(line) + '\n');
    prev = now;
  }
} finally {
  for (const s of socks) s.destroy();
  await server.stop();
  rmSync(probeOut, { force: true });
}
