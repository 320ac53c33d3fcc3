#!/usr/bin/env bash
# POST throughput of two builds in one session, interleaved A B A B … (issue 11: "at least 0.85× what it
# was before this issue in the same run"). Each build is a checkout (e.g. `git worktree add --detach
# /tmp/natter-before 93617a3`, node_modules linked from this one); bench/post.mjs from THIS checkout
# drives both (`--server-root`), so only the server code differs.
#   bench/post-ab.sh BEFORE_DIR AFTER_DIR [PAIRS=4] [OUT=bench/results/search-post-ab.jsonl] [MODE=max]
# Labels: ab-before-<i>/1, ab-after-<i>/1; POST_ARGS adds flags to post.mjs (e.g. POST_ARGS='--max-s 2 --users 20').
set -euo pipefail
cd "$(dirname "$0")/.."
A="${1:?usage: bench/post-ab.sh BEFORE_DIR AFTER_DIR [PAIRS] [OUT] [MODE]}"; B="${2:?AFTER_DIR}"
PAIRS="${3:-4}"; OUT="${4:-bench/results/search-post-ab.jsonl}"; MODE="${5:-max}"
for i in $(seq 1 "$PAIRS"); do
  for side in before after; do
    dir="$A"; [ "$side" = after ] && dir="$B"
    echo "== $(date -u +%T) pair $i: $side ($(git -C "$dir" rev-parse --short HEAD)), load avg $(cut -d' ' -f1-3 /proc/loadavg)" >&2
    node bench/post.mjs --mode "$MODE" --label "ab-$side-$i" --out "$OUT" --server-root "$dir" --quiet-max "${QUIET_MAX:-30}" ${POST_ARGS:-} >/dev/null
  done
done
node -e '
const ls = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map(JSON.parse).filter((l) => l.mode === "max" && /^ab-(before|after)-/.test(l.label));
const by = { before: [], after: [] };
for (const l of ls) by[l.label.split("-")[1]].push(l);
const med = (a) => { const s = [...a].sort((x, y) => x - y); return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN; };
for (const k of ["before", "after"]) console.log(k, by[k].map((l) => `${l.rev} ${Math.round(l.msgs_per_s)} msg/s (other ${l.other_cpu_pct} %)`).join("; "));
const r = med(by.after.map((l) => l.msgs_per_s)) / med(by.before.map((l) => l.msgs_per_s));
console.log(`after ÷ before (medians): ${r.toFixed(3)}`);
' "$OUT"
