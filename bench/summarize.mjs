#!/usr/bin/env node
// node bench/summarize.mjs bench/results/*.jsonl  → markdown tables (medians, min–max, n).
// Understands these kinds of lines in bench/results:
//   fan-out (fanout.mjs; label "peer/case/rep"), post (bench: 'post'), resume (bench: 'resume'),
//   cluster (bench: 'cluster'), webhooks (bench: 'webhooks').
// Options: --max-other PCT  leave out runs whose other_cpu_pct (noise from other processes)
//          was above PCT (they are counted and named under the table).
import fs from 'node:fs';

const args = process.argv.slice(2);
let maxOther = Infinity;
const files = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--max-other') maxOther = Number(args[++i]);
  else files.push(args[i]);
}
const all = files.flatMap((f) => fs.readFileSync(f, 'utf8').split('\n').filter(Boolean).map((l) => ({ ...JSON.parse(l), _file: f })));
const dropped = all.filter((r) => r.other_cpu_pct != null && r.other_cpu_pct > maxOther);
const rows = all.filter((r) => !dropped.includes(r));

const nums = (xs) => xs.filter((x) => x != null && Number.isFinite(x)).sort((a, b) => a - b);
const med = (xs) => { xs = nums(xs); if (!xs.length) return null; const m = xs.length >> 1; return xs.length % 2 ? xs[m] : (xs[m - 1] + xs[m]) / 2; };
const f = (x, d = 0) => (x == null ? '–' : x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d }));
const k = (x) => (x == null ? '–' : x >= 10000 ? `${f(x / 1000, 0)}k` : x >= 1000 ? `${f(x / 1000, 1)}k` : f(x, x < 10 ? 1 : 0));
const rng = (xs, fmt = k) => { xs = nums(xs); return xs.length > 1 ? ` (${fmt(xs[0])}–${fmt(xs[xs.length - 1])})` : ''; };
const out = [];

// ---- cluster (bench/cluster.mjs): single-node vs cross-node latency, ratio within each rep
const clu = rows.filter((r) => r.bench === 'cluster');
if (clu.length) {
  out.push('### Cluster: post on A, stream on A (single) or B (cross) (bench/cluster.mjs)', '');
  out.push('| kind | n | delivered / expected | p50 ms (range) | p99 ms (range) | max ms | server µs CPU / delivery (A+B) | CPU % servers / client / other |');
  out.push('|---|---|---|---|---|---|---|---|');
  for (const kind of ['single', 'cross']) {
    const R = clu.filter((r) => r.kind === kind);
    if (!R.length) continue;
    out.push(`| ${kind} (${f(R[0].subs_requested)} streams × ${R[0].rate} msg/s × ${R[0].msgs_requested}) | ${R.length} | ${f(R.reduce((a, r) => a + r.delivered, 0))} / ${f(R.reduce((a, r) => a + r.expected, 0))} | **${f(med(R.map((r) => r.latency_ms.p50)), 1)}**${rng(R.map((r) => r.latency_ms.p50), (x) => f(x, 1))} | **${f(med(R.map((r) => r.latency_ms.p99)), 1)}**${rng(R.map((r) => r.latency_ms.p99), (x) => f(x, 1))} | ${f(med(R.map((r) => r.latency_ms.max)), 0)} | ${f(med(R.map((r) => r.server_us_per_delivery)), 2)} | ${f(med(R.map((r) => r.server_cpu_pct)))} / ${f(med(R.map((r) => r.client_cpu_pct)))} / ${f(med(R.map((r) => r.other_cpu_pct)))} |`);
  }
  const rep = (r) => `${r._file}#${r.label.split('/').at(-1)}`;
  const single = new Map(clu.filter((r) => r.kind === 'single').map((r) => [rep(r), r.latency_ms.p99]));
  const ratios = clu.filter((r) => r.kind === 'cross' && single.has(rep(r))).map((r) => r.latency_ms.p99 / single.get(rep(r)));
  if (ratios.length) out.push('', `Cross ÷ single p99 within each rep: **${f(med(ratios), 2)}×**${rng(ratios, (x) => f(x, 2))}, n = ${ratios.length} (target ≤ 1.3×).`);
  out.push('');
}

// ---- fan-out
const fan = rows.filter((r) => (r.mode === 'fanout' || r.mode === 'connect-only') && r.bench !== 'cluster');
if (fan.length) {
  const groups = new Map();
  for (const r of fan) {
    const [peer, cs, rep] = (r.label || '?/?/?').split('/');
    const key = `${peer}/${cs}`;
    if (!groups.has(key)) groups.set(key, { peer, cs, runs: [] });
    groups.get(key).runs.push({ ...r, _rep: `${r._file}#${rep}` });
  }
  const caseName = { i: 'i: 1k subs × 200 msgs @50/s', ii: 'ii: 5k subs × 100 msgs @20/s', iii: 'iii: 1k subs × 2000 msgs unpaced', iv: 'iv: 20k idle conns' };
  const order = ['natter', 'nchan', 'naive', 'limit'];
  const peers = order.concat([...new Set([...groups.values()].map((g) => g.peer))].filter((p) => !order.includes(p)));
  const usPer = (r) => r.server_us_per_delivery ?? (r.server_cpu_pct != null && r.delivered ? (r.server_cpu_pct / 100) * r.window_s * 1e6 / r.delivered : null);
  out.push('### Fan-out (bench/fanout.sh)', '');
  out.push('| case | server | n | delivered / expected | deliveries/s (range) | p50 ms (range) | p99 ms (range) | max ms | publish msg/s achieved | KiB/conn | server µs CPU / delivery | CPU % server / client / other |');
  out.push('|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const cs of ['i', 'ii', 'iii', 'iv']) {
    for (const peer of peers) {
      const g = groups.get(`${peer}/${cs}`);
      if (!g) continue;
      const R = g.runs;
      const name = peer === 'natter' ? '**natter**' : peer;
      if (cs === 'iv') {
        out.push(`| ${caseName[cs]} | ${name} | ${R.length} | ${f(med(R.map((r) => r.subs_connected)))} / ${f(R[0].subs_requested)} held open | – | – | – | – | (${f(med(R.map((r) => r.connect_rate_per_s)))} conn/s) | **${f(med(R.map((r) => r.kib_per_conn)), 1)}**${rng(R.map((r) => r.kib_per_conn), (x) => f(x, 1))} | – | – |`);
        continue;
      }
      const del = R.reduce((a, r) => a + r.delivered, 0), exp = R.reduce((a, r) => a + r.expected, 0);
      const perr = R.reduce((a, r) => a + r.publish_errors, 0), dup = R.reduce((a, r) => a + r.duplicates, 0);
      const note = (perr ? ` (${f(perr)} publishes failed)` : '') + (dup ? ` (${f(dup)} duplicates)` : '');
      out.push(`| ${caseName[cs]} | ${name} | ${R.length} | ${f(del)} / ${f(exp)}${note} | **${k(med(R.map((r) => r.deliveries_per_s)))}**${rng(R.map((r) => r.deliveries_per_s))} | **${f(med(R.map((r) => r.latency_ms.p50)), 1)}**${rng(R.map((r) => r.latency_ms.p50))} | ${f(med(R.map((r) => r.latency_ms.p99)), 1)}${rng(R.map((r) => r.latency_ms.p99))} | ${f(med(R.map((r) => r.latency_ms.max)), 0)} | ${f(med(R.map((r) => r.publish_rate_actual)), 1)} / ${R[0].rate || 'max'} | ${cs === 'iii' ? '–' : f(med(R.map((r) => r.kib_per_conn)), 1)} | ${f(med(R.map(usPer)), 2)} | ${f(med(R.map((r) => r.server_cpu_pct)))} / ${f(med(R.map((r) => r.client_cpu_pct)))} / ${f(med(R.map((r) => r.other_cpu_pct)))} |`);
    }
  }
  // Case iii ratios within one run (same file, same rep).
  const iii = (peer) => new Map((groups.get(`${peer}/iii`)?.runs ?? []).map((r) => [r._rep, r.deliveries_per_s]));
  const nat = iii('natter');
  const ratios = (peer) => [...nat].filter(([rep]) => iii(peer).has(rep)).map(([rep, v]) => v / iii(peer).get(rep));
  const rl = ratios('limit'), rn = ratios('naive'), rc = ratios('nchan');
  const rf = (xs) => (xs.length ? `**${f(med(xs), 2)}×**${rng(xs, (x) => f(x, 2))}, n = ${xs.length}` : '–');
  out.push('', `Case iii, Natter ÷ peer within the same run: vs limit ${rf(rl)}; vs naive ${rf(rn)}; vs nchan ${rf(rc)}.`);
  out.push('');
}

// ---- post (one row per label base × mode; label = "<base>/<rep>")
const base = (r) => (r.label || '?').replace(/\/[^/]*$/, '');
const post = rows.filter((r) => r.bench === 'post');
if (post.length) {
  out.push('### POST /messages (bench/post.mjs)', '');
  out.push('| label | mode | n | result (range) | latency p50 / p95 / p99 / max ms (medians) | p99 range | errors | durable check | server µs CPU / msg | disk KB / msg | CPU % server / client / other |');
  out.push('|---|---|---|---|---|---|---|---|---|---|---|');
  const labels = [...new Set(post.map(base))];
  for (const lb of labels) {
    const max = post.filter((r) => r.mode === 'max' && base(r) === lb), paced = post.filter((r) => r.mode === 'paced' && base(r) === lb);
    const errs = (R) => R.reduce((a, r) => a + Object.values(r.errors).reduce((x, y) => x + y, 0), 0);
    const dur = (R) => (R.every((r) => r.durable_ok) ? `ok (${f(R.reduce((a, r) => a + r.stored_total, 0))} rows)` : 'FAILED');
    const cpu = (R) => `${f(med(R.map((r) => r.server_cpu_pct)))} / ${f(med(R.map((r) => r.client_cpu_pct)))} / ${f(med(R.map((r) => r.other_cpu_pct)))}`;
    if (max.length) {
      const L = (q) => med(max.map((r) => r.latency_ms[q]));
      out.push(`| ${lb} | max, ${max[0].clients} clients × ${max[0].duration_s} s | ${max.length} | **${f(med(max.map((r) => r.msgs_per_s)))} msg/s**${rng(max.map((r) => r.msgs_per_s), (x) => f(x))} | ${f(L('p50'), 1)} / ${f(L('p95'), 1)} / ${f(L('p99'), 1)} / ${f(L('max'), 0)} | ${rng(max.map((r) => r.latency_ms.p99), (x) => f(x, 1)).trim() || '–'} | ${errs(max)} | ${dur(max)} | ${f(med(max.map((r) => r.server_us_per_msg)), 0)} | ${f(med(max.map((r) => r.server_disk_bytes_per_msg / 1000)), 1)} | ${cpu(max)} |`);
    }
    if (paced.length) {
      const L = (q) => med(paced.map((r) => r.latency_ms[q]));
      out.push(`| ${lb} | paced, ${f(paced[0].rate_offered)} msg/s × ${paced[0].duration_s} s | ${paced.length} | ${f(med(paced.map((r) => r.rate_achieved)))} msg/s achieved | **${f(L('p50'), 2)} / ${f(L('p95'), 2)} / ${f(L('p99'), 2)} / ${f(L('max'), 1)}** | ${rng(paced.map((r) => r.latency_ms.p99), (x) => f(x, 1)).trim() || '–'} | ${errs(paced)} | ${dur(paced)} | – | – | ${cpu(paced)} |`);
    }
  }
  out.push('');
}

// ---- resume
const res = rows.filter((r) => r.bench === 'resume');
if (res.length) {
  out.push('### Reconnect storm (bench/resume.mjs)', '');
  out.push('| streams × behind | n | all done in s (range) | per-stream completion p50 / p99 ms | exactly once, in order | replayed events/s | server µs CPU / replayed event | CPU % server / client / other |');
  out.push('|---|---|---|---|---|---|---|---|');
  for (const lb of [...new Set(res.map(base))]) {
  const R0 = res.filter((r) => base(r) === lb);
  ((res) => out.push(`| ${lb}: ${f(res[0].streams)} × ${res[0].behind} (batch ${res[0].batch || 'all'}) | ${res.length} | **${f(med(res.map((r) => r.storm_s)), 2)}**${rng(res.map((r) => r.storm_s), (x) => f(x, 2))} | ${f(med(res.map((r) => r.completion_ms.p50)), 0)} / ${f(med(res.map((r) => r.completion_ms.p99)), 0)} | ${res.reduce((a, r) => a + r.exact_streams, 0)} / ${res.reduce((a, r) => a + r.streams, 0)} streams (dup ${res.reduce((a, r) => a + r.duplicates, 0)}, missing ${res.reduce((a, r) => a + r.missing, 0)}) | ${k(med(res.map((r) => r.replayed_events_per_s)))} | ${f(med(res.map((r) => r.server_us_per_replayed_event)), 2)} | ${f(med(res.map((r) => r.server_cpu_pct)))} / ${f(med(res.map((r) => r.client_cpu_pct)))} / ${f(med(res.map((r) => r.other_cpu_pct)))} |`))(R0);
  }
  out.push('');
}
// ---- outgoing webhooks (bench/webhooks.mjs): throughput/paced rows per store × case × hooks, then the drains
const wh = rows.filter((r) => r.bench === 'webhooks');
if (wh.length) {
  const sum = (R, key) => R.reduce((a, r) => a + (r[key] ?? 0), 0);
  const exact = (R) => `${f(sum(R, 'duplicates'))} / ${f(sum(R, 'missing'))} / ${f(sum(R, 'out_of_order'))}${sum(R, 'bad_signatures') ? ` (${f(sum(R, 'bad_signatures'))} bad signatures)` : ''}`;
  const cpu = (R) => `${f(med(R.map((r) => r.server_cpu_pct)))} / ${f(med(R.map((r) => r.receiver_cpu_pct)))} / ${f(med(R.map((r) => r.other_cpu_pct)))}`;
  const storeName = (s) => (s === 'postgres' ? 'PostgreSQL' : s === 'sqlite' ? 'SQLite' : s);
  const keyOf = (r) => `${r.store}|${r.case}|${r.hooks}`;
  const T = wh.filter((r) => r.case === 'throughput' || r.case === 'paced');
  if (T.length) {
    out.push('### Outgoing webhooks: delivery (bench/webhooks.mjs)', '');
    out.push('| store | case | hooks (rooms) | n | delivered / expected | deliveries/s (range) | latency p50 / p95 / p99 ms (medians) | p99 range | dup / missing / out of order | posts/s meanwhile | server µs CPU / delivery (posts included) | CPU % server / receiver / other |');
    out.push('|---|---|---|---|---|---|---|---|---|---|---|---|');
    for (const key of [...new Set(T.map(keyOf))]) {
      const R = T.filter((r) => keyOf(r) === key), r0 = R[0];
      const what = r0.case === 'paced' ? `paced ${f(r0.rate)} msg/s` : `${f(r0.messages)} msgs unpaced`;
      out.push(`| ${storeName(r0.store)} | ${what} | ${r0.hooks} (${r0.rooms}) | ${R.length} | ${f(sum(R, 'delivered'))} / ${f(sum(R, 'events'))} | **${f(med(R.map((r) => r.per_s)))}**${rng(R.map((r) => r.per_s), (x) => f(x))} | ${f(med(R.map((r) => r.p50_ms)), 0)} / ${f(med(R.map((r) => r.p95_ms)), 0)} / **${f(med(R.map((r) => r.p99_ms)), 0)}** | ${rng(R.map((r) => r.p99_ms), (x) => f(x, 0)).trim() || '–'} | ${exact(R)} | ${f(med(R.map((r) => r.post_per_s)))} | ${f(med(R.map((r) => r.server_us_per_delivery)))} | ${cpu(R)} |`);
    }
    out.push('');
  }
  const D = wh.filter((r) => r.case === 'drain');
  if (D.length) {
    out.push('### Outgoing webhooks: backlog drain, one hook (bench/webhooks.mjs)', '');
    out.push('| store | backlog | n | delivered / expected | resume → all delivered, s (range) | events/s (range) | dup / missing / out of order | load: msg/s (range), s | server RSS MiB before → after drain | server µs CPU / delivery | CPU % server / receiver / other |');
    out.push('|---|---|---|---|---|---|---|---|---|---|---|');
    for (const store of [...new Set(D.map((r) => r.store))]) {
      const R = D.filter((r) => r.store === store);
      const ev = nums(R.map((r) => r.events));
      out.push(`| ${storeName(store)} | ${ev[0] === ev.at(-1) ? f(ev[0]) : `${f(ev[0])}–${f(ev.at(-1))}`} | ${R.length} | ${f(sum(R, 'delivered'))} / ${f(sum(R, 'events'))} | **${f(med(R.map((r) => r.seconds)), 1)}**${rng(R.map((r) => r.seconds), (x) => f(x, 1))} | **${f(med(R.map((r) => r.per_s)))}**${rng(R.map((r) => r.per_s), (x) => f(x))} | ${exact(R)} | ${f(med(R.map((r) => r.load_per_s)))}${rng(R.map((r) => r.load_per_s), (x) => f(x))}, ${f(med(R.map((r) => r.load_s)), 0)} s | ${f(med(R.map((r) => r.server_rss_mib?.before)), 0)} → ${f(med(R.map((r) => r.server_rss_mib?.after)), 0)} | ${f(med(R.map((r) => r.server_us_per_delivery)))} | ${cpu(R)} |`);
    }
    out.push('');
  }
}

// ---- targets (issues 3, 4 and 6), from the rows above
{
  const T = [];
  const verdict = (ok) => (ok == null ? '–' : ok ? '**met**' : '**missed**');
  const natterPost = post.filter((r) => (r.target ?? 'natter') === 'natter'); // the post-limit peer's lines (--target peer) are no Natter result
  const pm = natterPost.filter((r) => r.mode === 'max' && !r.preload), pp = natterPost.filter((r) => r.mode === 'paced' && !r.preload);
  if (pm.length) { const v = med(pm.map((r) => r.msgs_per_s)); T.push(`| POST: ≥ 5,000 durable msg/s | ${f(v)} msg/s median (${f(nums(pm.map((r) => r.msgs_per_s))[0])}–${f(nums(pm.map((r) => r.msgs_per_s)).at(-1))}), n = ${pm.length} | ${verdict(v >= 5000)}${v < 5000 ? ` by ${f(100 - (100 * v) / 5000)} %` : ''} |`); }
  if (pp.length) { const v = med(pp.map((r) => r.latency_ms.p99)); T.push(`| POST: p99 ≤ 20 ms at 1,000 msg/s offered | p99 ${f(v, 1)} ms median (${f(nums(pp.map((r) => r.latency_ms.p99))[0], 1)}–${f(nums(pp.map((r) => r.latency_ms.p99)).at(-1), 1)}), n = ${pp.length} | ${verdict(v <= 20)}${v > 20 ? ` by ${f(v - 20, 1)} ms` : ''} |`); }
  const F = (peer, cs) => fan.filter((r) => r.label?.startsWith(`${peer}/${cs}/`));
  const repOf = (r) => `${r._file}#${r.label.split('/')[2]}`;
  const ratio = (peer) => { const m = new Map(F(peer, 'iii').map((r) => [repOf(r), r.deliveries_per_s])); return F('natter', 'iii').filter((r) => m.has(repOf(r))).map((r) => r.deliveries_per_s / m.get(repOf(r))); };
  const rl = ratio('limit'), rn = ratio('naive');
  if (rl.length) T.push(`| fan-out iii: ≥ 1.0× limit (same run) | ${f(med(rl), 2)}× median (${f(nums(rl)[0], 2)}–${f(nums(rl).at(-1), 2)}), n = ${rl.length} | ${verdict(med(rl) >= 1)} |`);
  if (rn.length) T.push(`| fan-out iii: ≥ 2.5× naive (same run) | ${f(med(rn), 2)}× median (${f(nums(rn)[0], 2)}–${f(nums(rn).at(-1), 2)}), n = ${rn.length} | ${verdict(med(rn) >= 2.5)} |`);
  const n2 = F('natter', 'ii');
  if (n2.length) {
    const all = n2.every((r) => r.delivered === r.expected && r.lost === 0 && r.duplicates === 0), v = med(n2.map((r) => r.latency_ms.p99));
    const c2 = F('nchan', 'ii'); const cv = c2.length ? med(c2.map((r) => r.latency_ms.p99)) : null;
    T.push(`| fan-out ii: everything delivered, p99 < nchan's 865.7 ms (../shared/bench/README.md) | ${all ? 'all delivered, no duplicates' : 'LOSS or duplicates'}; p99 ${f(v, 1)} ms median (${f(nums(n2.map((r) => r.latency_ms.p99))[0], 1)}–${f(nums(n2.map((r) => r.latency_ms.p99)).at(-1), 1)}), n = ${n2.length}${cv != null ? `; nchan in this run ${f(cv, 1)} ms` : ''} | ${verdict(all && v < 865.7)} |`);
  }
  const n4 = F('natter', 'iv');
  if (n4.length) { const k4 = med(n4.map((r) => r.kib_per_conn)), held = med(n4.map((r) => r.subs_connected)); T.push(`| fan-out iv: 20,000 idle streams, ≤ 8 KiB RSS each | ${f(held)} held (the 20,000-fd ulimit; peers 19,979–19,988), ${f(k4, 2)} KiB/stream median, n = ${n4.length} | ${verdict(k4 <= 8)} (KiB); held = fd limit |`); }
  const rs = res.filter((r) => r.streams === 5000 && r.behind === 200);
  if (rs.length) { const v = med(rs.map((r) => r.storm_s)), ex = rs.every((r) => r.exact_streams === r.streams); T.push(`| resume storm: 5,000 × 200 behind, exactly once, ≤ 5 s | ${f(v, 2)} s median (${f(nums(rs.map((r) => r.storm_s))[0], 2)}–${f(nums(rs.map((r) => r.storm_s)).at(-1), 2)}), n = ${rs.length}; ${ex ? 'every stream exact' : 'NOT EXACT'} | ${verdict(ex && v <= 5)}${v > 5 ? ` by ${f(v - 5, 2)} s` : ''} |`); }
  const cs = clu.filter((r) => r.kind === 'single'), cc = clu.filter((r) => r.kind === 'cross');
  if (cs.length && cc.length) { const rep = (r) => `${r._file}#${r.label.split('/').at(-1)}`; const sm = new Map(cs.map((r) => [rep(r), r.latency_ms.p99])); const rr = cc.filter((r) => sm.has(rep(r))).map((r) => r.latency_ms.p99 / sm.get(rep(r))); if (rr.length) T.push(`| cluster: cross-node p99 ≤ 1.3× single-node (1k × 20 msg/s) | ${f(med(rr), 2)}× median (${f(nums(rr)[0], 2)}–${f(nums(rr).at(-1), 2)}), n = ${rr.length} | ${verdict(med(rr) <= 1.3)} |`); }
  if (T.length) out.push('### Targets', '', '| target | result | verdict |', '|---|---|---|', ...T, '');
}
if (dropped.length) out.push(`Left out (other_cpu_pct > ${maxOther}): ${dropped.map((r) => `${r.label}${r.bench === 'webhooks' ? ` (${r.store} ${r.case} ${r.hooks} hooks, rep ${r.rep})` : r.mode === 'max' || r.mode === 'paced' ? `(${r.mode})` : ''} ${Math.round(r.other_cpu_pct)} %`).join(', ')}.`);
console.log(out.join('\n'));
