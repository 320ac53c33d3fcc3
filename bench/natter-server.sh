#!/usr/bin/env bash
# Start/stop a Natter server for the fan-out bench, like the peers' start scripts:
#   bench/natter-server.sh start   → prints "<pid> <token>" (pid for fanout.mjs --server-pid)
#   bench/natter-server.sh stop    → SIGTERM the recorded pid (graceful: --cpu-prof is written), wait, clean up
# Fresh SQLite file per start (in a temp dir), every limit off, LOG_LEVEL=warn, pinned to
# $CPU (default 0; empty = no pinning), port $NATTER_BENCH_PORT (default 8104), ulimit -n raised
# to the hard limit. One user is registered; its bearer token serves every subscriber and the
# publisher. PROF=<dir> runs the server with `node --cpu-prof --cpu-prof-dir=<dir>`.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${NATTER_BENCH_PORT:-8104}"
CPU="${CPU-0}"
STATE=/tmp/bench-natter
PIN=(); [ -n "$CPU" ] && PIN=(taskset -c "$CPU")
PROFARGS=(); [ -n "${PROF:-}" ] && { mkdir -p "$PROF"; PROFARGS=(--cpu-prof "--cpu-prof-dir=$PROF"); }

wait_port() { for _ in $(seq 1 200); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done
  echo "port 127.0.0.1:$1 did not open" >&2; return 1; }

case "${1:-}" in
  start)
    if [ -f "$STATE.pid" ] && kill -0 "$(cat "$STATE.pid")" 2>/dev/null; then echo "natter bench server already running (pid $(cat "$STATE.pid"))" >&2; exit 1; fi
    ulimit -n "$(ulimit -Hn)" || true
    DIR=$(mktemp -d /tmp/natter-fanout-XXXXXX)
    echo "$DIR" > "$STATE.dir"
    PORT="$PORT" HOST=127.0.0.1 DATABASE_URL="sqlite:$DIR/natter.db" \
      NATTER_STREAMS_PER_USER=0 NATTER_STREAMS_PER_IP=0 NATTER_POST_RATE=0 NATTER_AUTH_RATE=0 LOG_LEVEL=warn \
      nohup env ${BENCH_SERVER_NODE_OPTIONS:+"NODE_OPTIONS=$BENCH_SERVER_NODE_OPTIONS"} "${PIN[@]}" node --import tsx "${PROFARGS[@]}" src/main.ts >"$STATE.log" 2>&1 &
    echo $! > "$STATE.pid"
    wait_port "$PORT"
    for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
    TOKEN=$(curl -sf -H 'content-type: application/json' -d '{"username":"bench","password":"bench-password-1"}' \
      "http://127.0.0.1:$PORT/api/v1/auth/register" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).token))')
    [ -n "$TOKEN" ] || { echo "could not register the bench user" >&2; exit 1; }
    echo "$TOKEN" > "$STATE.token"
    echo "$(cat "$STATE.pid") $TOKEN"
    ;;
  stop)
    P=$(cat "$STATE.pid" 2>/dev/null || true)
    if [ -n "$P" ] && kill -0 "$P" 2>/dev/null; then
      kill -TERM "$P"
      for _ in $(seq 1 300); do kill -0 "$P" 2>/dev/null || break; sleep 0.1; done
      kill -0 "$P" 2>/dev/null && { echo "natter $P did not stop in 30 s; SIGKILL" >&2; kill -KILL "$P"; }
    fi
    [ -f "$STATE.dir" ] && rm -rf "$(cat "$STATE.dir")"
    rm -f "$STATE.pid" "$STATE.dir" "$STATE.token"
    ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
