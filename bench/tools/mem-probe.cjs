// Preload (NODE_OPTIONS=--require …/mem-probe.cjs) for the idle-stream memory study (issue 17 target 5).
// On SIGUSR2 the server appends one JSON line to $MEM_PROBE_OUT: VmRSS and its parts, the V8 heap by
// space (used / committed / resident), the anonymous mappings split into glibc's main heap, its thread
// arenas and the rest (V8's pages, large mallocs), and the open sockets; then the same again after a full
// GC (`after_gc`: live vs garbage). With MEM_PROBE_SNAP=<dir> a heap snapshot is written after the GC.
// Nothing in src/ is touched.
'use strict';
const fs = require('node:fs');
const v8 = require('node:v8');
const vm = require('node:vm');

const OUT = process.env.MEM_PROBE_OUT || `/tmp/mem-probe-${process.pid}.jsonl`;
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');

function kib(re, text) { const m = re.exec(text); return m ? +m[1] : null; }

/** Anonymous private mappings by kind: glibc's main heap, thread arenas (64 MiB-aligned reservations), the rest. */
function mappings() {
  const out = { brk_heap: 0, arenas: 0, other_anon: 0, file: 0, stack: 0 };
  let cur = null;
  for (const line of fs.readFileSync('/proc/self/smaps', 'utf8').split('\n')) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \d+\s*(.*)$/.exec(line);
    if (head) {
      const size = (parseInt(head[2], 16) - parseInt(head[1], 16)) / 1024;
      const name = head[3];
      const start = BigInt('0x' + head[1]);
      cur = name === '[heap]' ? 'brk_heap' : name.startsWith('[stack') ? 'stack' : name ? 'file'
        // glibc thread arenas: heaps of HEAP_MAX (64 MiB) aligned to their size.
        : (start % (64n << 20n) === 0n && size <= 65536) ? 'arenas' : 'other_anon';
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss && cur) out[cur] += +rss[1];
  }
  return out;
}

function sample() {
  const status = fs.readFileSync('/proc/self/status', 'utf8');
  const mu = process.memoryUsage();
  const spaces = {};
  for (const s of v8.getHeapSpaceStatistics()) {
    spaces[s.space_name] = { used: s.space_used_size, size: s.space_size, physical: s.physical_space_size };
  }
  const hs = v8.getHeapStatistics();
  let sockets = 0;
  try { sockets = fs.readdirSync('/proc/self/fd').filter((f) => { try { return fs.readlinkSync(`/proc/self/fd/${f}`).startsWith('socket:'); } catch { return false; } }).length; } catch {}
  return {
    sockets,
    vmrss_kib: kib(/VmRSS:\s+(\d+)/, status), rss_anon_kib: kib(/RssAnon:\s+(\d+)/, status), rss_file_kib: kib(/RssFile:\s+(\d+)/, status),
    maps_kib: mappings(),
    heap: { total: mu.heapTotal, used: mu.heapUsed, external: mu.external, array_buffers: mu.arrayBuffers, physical: hs.total_physical_size, malloced: hs.malloced_memory, peak_malloced: hs.peak_malloced_memory },
    spaces,
  };
}

function probe(tag) {
  const t0 = Date.now();
  const line = { tag, at: new Date().toISOString(), ...sample() };
  gc(); gc();
  line.after_gc = sample();
  if (process.env.MEM_PROBE_SNAP) {
    fs.mkdirSync(process.env.MEM_PROBE_SNAP, { recursive: true });
    line.snapshot = v8.writeHeapSnapshot(`${process.env.MEM_PROBE_SNAP}/${tag}-${line.sockets}.heapsnapshot`);
  }
  line.probe_ms = Date.now() - t0;
  fs.appendFileSync(OUT, JSON.stringify(line) + '\n');
}

// A probe must never take the server down (e.g. EMFILE when the streams use every fd).
function tryProbe(tag) {
  try { probe(tag); } catch (err) { process.stderr.write(`mem-probe: ${err.message}\n`); }
}

let n = 0;
process.on('SIGUSR2', () => tryProbe(process.env.MEM_PROBE_TAG ? `${process.env.MEM_PROBE_TAG}-${n++}` : `p${n++}`));
