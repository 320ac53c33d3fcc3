// Preloaded into the server by the benches (`node --import ./bench/tools/probe-eld.mjs …`, see
// bench/lib.mjs `probe`): measures event-loop blocking in the server process without touching src/.
// A 10 ms interval timer checks how late it fired; stalls ≥ 20 ms are recorded with their
// wall-clock start (epoch ms). SIGUSR2 appends a JSON summary of the window since the previous
// SIGUSR2 to $NATTER_BENCH_PROBE_OUT and starts a new window (also done at exit).
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { appendFileSync } from 'node:fs';

const out = process.env.NATTER_BENCH_PROBE_OUT;
if (out) {
  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  let stalls = [];
  let last = performance.now();
  const tick = setInterval(() => {
    const now = performance.now();
    const late = now - last - 10;
    if (late >= 20) stalls.push([Date.now() - Math.round(late), Math.round(late)]);
    last = now;
  }, 10);
  tick.unref();
  const dump = () => {
    // The histogram measures timer firing times, so each value includes the 10 ms resolution.
    const ms = (ns) => +Math.max(0, ns / 1e6 - 10).toFixed(2);
    appendFileSync(out, JSON.stringify({
      at: Date.now(), delay_ms: { p50: ms(h.percentile(50)), p99: ms(h.percentile(99)), max: ms(h.max), mean: ms(h.mean) },
      stalls_over_20ms: stalls.length, stalled_ms_total: stalls.reduce((a, s) => a + s[1], 0),
      worst_stalls: [...stalls].sort((a, b) => b[1] - a[1]).slice(0, 8),
    }) + '\n');
    h.reset();
    stalls = [];
  };
  process.on('SIGUSR2', dump);
  process.on('exit', dump);
}
