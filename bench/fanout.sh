#!/usr/bin/env bash
# Fan-out bench (issue 4): the four cases i–iv of ../shared/bench/README.md against Natter,
# in the same run as the reference peers (naive, limit, and nchan when nginx + nchan are
# installed), with the same harness flags as ../shared/bench/run-bench.sh. Server pinned to
# CPU 0, harness (bench/vendor/fanout.mjs, a vendored copy) to CPU 1. Peers, cases and reps are
# interleaved by rep; every server is restarted fresh before cases i–iii and again before iv.
#
#   bench/fanout.sh [REPS] [OUTFILE]         (default 1, bench/results/fanout-<utc>.jsonl)
#   PEERS="natter limit" CASES="iii" bench/fanout.sh 1 /tmp/x.jsonl
#   node bench/summarize.mjs bench/results/fanout-*.jsonl
#
# Peers come from ../shared/bench/peers (PEERS_DIR=...); without it only Natter runs.
# Env: QUIET_PCT (15) / QUIET_MAX (60 s) idle gate before each case; PROF=<dir> profiles Natter.
set -uo pipefail
REPS="${1:-1}"
OUT="${2:-$(dirname "$0")/results/fanout-$(date -u +%Y%m%dT%H%M%SZ).jsonl}"
mkdir -p "$(dirname "$OUT")" && OUT="$(cd "$(dirname "$OUT")" && pwd)/$(basename "$OUT")"   # relative to the caller
cd "$(dirname "$0")"
PEERS_DIR="${PEERS_DIR:-$(pwd)/../../shared/bench/peers}"
CASES="${CASES:-i ii iii iv}"
NPORT="${NATTER_BENCH_PORT:-8104}"
if [ -z "${PEERS:-}" ]; then
  PEERS="natter"
  if [ -d "$PEERS_DIR" ]; then
    if command -v nginx >/dev/null && [ -f /usr/lib/nginx/modules/ngx_nchan_module.so ]; then PEERS="$PEERS nchan"
    else echo "nginx + libnginx-mod-nchan not installed: skipping nchan" >&2; fi
    PEERS="$PEERS naive limit"
  else echo "no $PEERS_DIR: running Natter only" >&2; fi
fi
mkdir -p "$(dirname "$OUT")"
ulimit -n "$(ulimit -Hn)"
H=(taskset -c 1 node vendor/fanout.mjs --quiet)

urls() { # peer -> SUB PUB HDR (extra args)
  EXTRA=()
  case "$1" in
    nchan) SUB='http://127.0.0.1:8101/sub/r{run}'; PUB='http://127.0.0.1:8101/pub/r{run}' ;;
    naive) SUB='http://127.0.0.1:8102/chat/stream'; PUB='http://127.0.0.1:8102/chat/send' ;;
    limit) SUB='http://127.0.0.1:8103/chat/stream'; PUB='http://127.0.0.1:8103/chat/send' ;;
    natter) SUB="http://127.0.0.1:$NPORT/api/v1/events"; PUB="http://127.0.0.1:$NPORT/api/v1/rooms/general/messages"
      EXTRA=(--sub-header "Authorization: Bearer $TOKEN" --pub-header "Authorization: Bearer $TOKEN"
             --pub-body '{"text":"m{seq} {ts}"}' --event message) ;;
  esac
}
QUIET_PCT="${QUIET_PCT:-15}"; QUIET_MAX="${QUIET_MAX:-60}"
busy_pct() { local a b; a=($(head -1 /proc/stat)); sleep 1; b=($(head -1 /proc/stat))
  local busy=$(( (b[1]+b[2]+b[3]+b[6]+b[7]+b[8]) - (a[1]+a[2]+a[3]+a[6]+a[7]+a[8]) ))
  local all=$(( (b[1]+b[2]+b[3]+b[4]+b[5]+b[6]+b[7]+b[8]) - (a[1]+a[2]+a[3]+a[4]+a[5]+a[6]+a[7]+a[8]) ))
  echo $(( 200 * busy / (all > 0 ? all : 1) )); }
wait_quiet() { local t=0 b; while :; do b=$(busy_pct); t=$((t+1))
  if [ "$b" -lt "$QUIET_PCT" ] || [ "$t" -ge "$QUIET_MAX" ]; then echo "   (machine busy ${b}% of 200% before start, waited ${t}s)" >&2; return; fi; done; }
stop() { if [ "$1" = natter ]; then ./natter-server.sh stop; else "$PEERS_DIR/stop.sh" "$1" >/dev/null 2>&1; fi; }
start() { # peer -> sets PID (and TOKEN for natter)
  stop "$1"; sleep 1
  if [ "$1" = natter ]; then local l; l=$(./natter-server.sh start) || return 1; PID=${l%% *}; TOKEN=${l#* }
  else PID=$("$PEERS_DIR/start-$1.sh") || return 1; fi; }
one() { # peer case rep
  local p=$1 c=$2 r=$3; urls "$p"
  local common=(--sub-url "$SUB" --server-pid "$PID" --label "$p/$c/$r" "${EXTRA[@]}")
  case "$c" in
    i)   "${H[@]}" "${common[@]}" --pub-url "$PUB" --subs 1000 --msgs 200  --rate 50 --timeout 120 ;;
    ii)  "${H[@]}" "${common[@]}" --pub-url "$PUB" --subs 5000 --msgs 100  --rate 20 --timeout 120 ;;
    iii) "${H[@]}" "${common[@]}" --pub-url "$PUB" --subs 1000 --msgs 2000 --rate 0 --inflight 64 --timeout 240 ;;
    iv)  "${H[@]}" "${common[@]}" --mode connect-only --subs 20000 --ready-timeout 5 --timeout 120 ;;
  esac
}
trap 'for p in $PEERS; do stop "$p"; done' EXIT
echo "peers: $PEERS; cases: $CASES; reps: $REPS → $OUT (natter at $(git -C .. rev-parse --short HEAD)$(git -C .. status --porcelain src | grep -q . && echo +dirty-src))" >&2
for r in $(seq 1 "$REPS"); do
  for p in $PEERS; do
    fan=""; for c in $CASES; do [ "$c" != iv ] && fan="$fan $c"; done
    if [ -n "$fan" ]; then
      start "$p" || { echo "failed to start $p" >&2; continue; }
      for c in $fan; do
        echo "== rep $r $p case $c (load: $(cut -d' ' -f1-3 /proc/loadavg))" >&2
        wait_quiet
        one "$p" "$c" "$r" | tee -a "$OUT"
        sleep 2
      done
      stop "$p"
    fi
    if [[ " $CASES " == *" iv "* ]]; then # fresh server so the RSS baseline is clean
      start "$p" || continue
      echo "== rep $r $p case iv (load: $(cut -d' ' -f1-3 /proc/loadavg))" >&2
      wait_quiet
      one "$p" iv "$r" | tee -a "$OUT"
      stop "$p"; sleep 2
    fi
  done
done
echo "results in $OUT" >&2
