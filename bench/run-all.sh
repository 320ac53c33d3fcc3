#!/usr/bin/env bash
# Every Natter benchmark in one go, results under bench/results/<TAG>-*.jsonl, then the tables:
#   bench/run-all.sh TAG [FANOUT_REPS] [REPS]      (defaults: 2 fan-out reps, 3 reps of the others)
# Order: fan-out matrix (Natter + peers), post, reconnect storm, cluster (needs PostgreSQL on
# 127.0.0.1:5432; skipped when it is not reachable), outgoing webhooks (SQLite, and PostgreSQL when
# reachable). QUIET_MAX (default 15 s) bounds each idle wait.
set -uo pipefail
cd "$(dirname "$0")/.."
TAG="${1:?usage: bench/run-all.sh TAG [FANOUT_REPS] [REPS]}"; FR="${2:-2}"; R="${3:-3}"
export QUIET_MAX="${QUIET_MAX:-15}"
D=bench/results
echo "== $(date -u +%T) fan-out × $FR" >&2
bench/fanout.sh "$FR" "$D/$TAG-fanout.jsonl" >/dev/null
echo "== $(date -u +%T) post × $R" >&2
node bench/post.mjs --reps "$R" --label "$TAG" --out "$D/$TAG-post.jsonl" --quiet-max "$QUIET_MAX" >/dev/null
echo "== $(date -u +%T) resume × $R" >&2
node bench/resume.mjs --reps "$R" --label "$TAG" --out "$D/$TAG-resume.jsonl" --quiet-max "$QUIET_MAX" >/dev/null
if (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null && command -v redis-server >/dev/null; then
  echo "== $(date -u +%T) cluster × $R" >&2
  node bench/cluster.mjs --reps "$R" --label "$TAG" --out "$D/$TAG-cluster.jsonl" --quiet-max "$QUIET_MAX" >/dev/null
fi
WH_STORES=sqlite
(exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null && WH_STORES=sqlite,postgres
echo "== $(date -u +%T) webhooks ($WH_STORES) × $R" >&2
node bench/webhooks.mjs --store "$WH_STORES" --reps "$R" --label "$TAG" --out "$D/$TAG-webhooks.jsonl" --quiet-max "$QUIET_MAX" >/dev/null
echo "== $(date -u +%T) done" >&2
node bench/summarize.mjs "$D/$TAG"-*.jsonl
