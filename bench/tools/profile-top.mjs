#!/usr/bin/env node
// node bench/tools/profile-top.mjs FILE.cpuprofile [N] [--last S | --busiest S [--after S2]]  → the top N frames by self time, and the
// top N by total (inclusive) time, from a V8 CPU profile written by `node --cpu-prof`. `--last S`: only the
// samples of the profile's last S seconds (e.g. the measured phase before the server was stopped); `--busiest S`:
// the S-second window with the least idle time (e.g. a reconnect storm inside a longer run), starting no earlier than
// `--after S2` seconds into the profile (to pass over startup).
// Paths are shortened to the project (src/…, node_modules/<pkg>/…, node:…).
import fs from 'node:fs';

const argv = process.argv.slice(2);
const li = argv.indexOf('--last');
const lastS = li >= 0 ? Number(argv.splice(li, 2)[1]) : null;
const bi = argv.indexOf('--busiest');
const busiestS = bi >= 0 ? Number(argv.splice(bi, 2)[1]) : null;
const ai = argv.indexOf('--after');
const afterS = ai >= 0 ? Number(argv.splice(ai, 2)[1]) : 0;
const [file, nArg] = argv;
if (!file) { console.error('usage: node bench/tools/profile-top.mjs FILE.cpuprofile [N] [--last S | --busiest S [--after S2]]'); process.exit(2); }
const N = Number(nArg ?? 25);
const p = JSON.parse(fs.readFileSync(file, 'utf8'));
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const dt = new Map();
// timeDeltas[i] is the time before sample i; a sample is counted when it lies within the window (all without --last).
const times = [];
for (let i = 0, at = p.startTime; i < p.samples.length; i++) times.push((at += p.timeDeltas[i] ?? 0));
let from = lastS == null ? -Infinity : p.endTime - lastS * 1e6;
let to = Infinity;
if (busiestS != null) {
  // --busiest S: the S-second window with the least idle time (e.g. a storm inside a longer run).
  const idle = byId.get([...byId.values()].find((n) => n.callFrame.functionName === '(idle)')?.id);
  let best = -1, busy = 0;
  const start = p.startTime + afterS * 1e6;
  let j = times.findIndex((t) => t >= start);
  for (let i = j; i >= 0 && i < times.length; i++) {
    if (p.samples[i] !== idle?.id) busy += p.timeDeltas[i] ?? 0;
    while (times[i] - times[j] > busiestS * 1e6) { if (p.samples[j] !== idle?.id) busy -= p.timeDeltas[j] ?? 0; j++; }
    if (busy > best) { best = busy; from = times[j]; to = times[i]; }
  }
}
for (let i = 0; i < p.samples.length; i++) {
  if (times[i] >= from && times[i] <= to) dt.set(p.samples[i], (dt.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0));
}
const total = [...dt.values()].reduce((a, b) => a + b, 0);
const short = (url) => url.replace(/^file:\/\/.*?\/node_modules\//, 'node_modules/').replace(/^file:\/\/.*?\/(src|bench)\//, '$1/').replace(/^node:/, 'node:');
const key = (cf) => `${cf.functionName || '(anonymous)'}  ${short(cf.url) || '(native)'}${cf.url ? `:${cf.lineNumber + 1}` : ''}`;
const self = new Map(), incl = new Map();
const parent = new Map();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
for (const [id, t] of dt) {
  const n = byId.get(id);
  self.set(key(n.callFrame), (self.get(key(n.callFrame)) ?? 0) + t);
  const seen = new Set();
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
    const k = key(byId.get(cur).callFrame);
    if (seen.has(k)) continue;
    seen.add(k);
    incl.set(k, (incl.get(k) ?? 0) + t);
  }
}
const pct = (t) => `${((100 * t) / total).toFixed(1).padStart(5)} %`;
console.log(`${file}: ${(total / 1e6).toFixed(2)} s sampled${lastS == null ? '' : ` (the last ${lastS} s)`}${busiestS == null ? '' : ` (the busiest ${busiestS} s, from ${((from - p.startTime) / 1e6).toFixed(2)} s)`}`);
console.log('\nself time:');
for (const [k, t] of [...self].sort((a, b) => b[1] - a[1]).slice(0, N)) console.log(`  ${pct(t)}  ${k}`);
console.log('\ntotal (inclusive) time:');
for (const [k, t] of [...incl].sort((a, b) => b[1] - a[1]).slice(0, N)) console.log(`  ${pct(t)}  ${k}`);
