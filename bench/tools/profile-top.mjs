#!/usr/bin/env node
// node bench/tools/profile-top.mjs FILE.cpuprofile [N] [--last S]  → the top N frames by self time, and the
// top N by total (inclusive) time, from a V8 CPU profile written by `node --cpu-prof`. `--last S`: only the
// samples of the profile's last S seconds (e.g. the measured phase before the server was stopped).
// Paths are shortened to the project (src/…, node_modules/<pkg>/…, node:…).
import fs from 'node:fs';

const argv = process.argv.slice(2);
const li = argv.indexOf('--last');
const lastS = li >= 0 ? Number(argv.splice(li, 2)[1]) : null;
const [file, nArg] = argv;
if (!file) { console.error('usage: node bench/tools/profile-top.mjs FILE.cpuprofile [N] [--last S]'); process.exit(2); }
const N = Number(nArg ?? 25);
const p = JSON.parse(fs.readFileSync(file, 'utf8'));
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const dt = new Map();
// timeDeltas[i] is the time before sample i; a sample is counted when it lies within the window (all without --last).
let at = p.startTime;
const from = lastS == null ? -Infinity : p.endTime - lastS * 1e6;
for (let i = 0; i < p.samples.length; i++) {
  at += p.timeDeltas[i] ?? 0;
  if (at >= from) dt.set(p.samples[i], (dt.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0));
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
console.log(`${file}: ${(total / 1e6).toFixed(2)} s sampled${lastS == null ? '' : ` (the last ${lastS} s)`}`);
console.log('\nself time:');
for (const [k, t] of [...self].sort((a, b) => b[1] - a[1]).slice(0, N)) console.log(`  ${pct(t)}  ${k}`);
console.log('\ntotal (inclusive) time:');
for (const [k, t] of [...incl].sort((a, b) => b[1] - a[1]).slice(0, N)) console.log(`  ${pct(t)}  ${k}`);
