#!/usr/bin/env bash
# Issue 17 target 3 in one run: the reconnect storm (bench/resume.mjs) against Natter's own live fan-out,
# case iii of bench/fanout.sh (PEERS=natter CASES=iii), interleaved per rep. Prints, per rep, replayed events/s,
# live deliveries/s, their ratio (target ≥ 1.0) and the storm's longest event-loop stall (target ≤ 50 ms), and
# appends one JSON line per rep (with both raw lines inside) to OUT.
#
#   flock /tmp/natter-bench.lock bench/storm-vs-live.sh [REPS] [OUT]     (default 1, bench/results/storm-vs-live.jsonl)
#   LABEL=after RESUME_ARGS="--prof /tmp/p" bench/storm-vs-live.sh 2
# Env: LABEL (storm-vs-live), RESUME_ARGS (extra flags for resume.mjs), QUIET_PCT / QUIET_MAX (idle gate, both benches).
set -euo pipefail
REPS="${1:-1}"
HERE="$(cd "$(dirname "$0")" && pwd)"
OUT="${2:-$HERE/results/storm-vs-live.jsonl}"
LABEL="${LABEL:-storm-vs-live}"
TMP="$(mktemp -d)"; trap 'rm -rf "$TMP"' EXIT
export QUIET_PCT="${QUIET_PCT:-15}" QUIET_MAX="${QUIET_MAX:-60}"
for r in $(seq 1 "$REPS"); do
  PEERS=natter CASES=iii "$HERE/fanout.sh" 1 "$TMP/fan.jsonl" >/dev/null
  # shellcheck disable=SC2086
  node "$HERE/resume.mjs" --reps 1 --label "$LABEL" --out "$TMP/resume.jsonl" --quiet-pct "$QUIET_PCT" --quiet-max "$QUIET_MAX" ${RESUME_ARGS:-} >/dev/null
  node -e '
    const fs = require("node:fs");
    const [fanFile, resFile, out, label, rep] = process.argv.slice(1);
    const last = (f) => JSON.parse(fs.readFileSync(f, "utf8").trim().split("\n").at(-1));
    const fan = last(fanFile), res = last(resFile);
    const eld = res.server_event_loop ?? {};
    const stall = Math.max(eld.delay_ms?.max ?? 0, ...(eld.worst_stalls ?? []).map((s) => s[1]));
    const line = {
      bench: "storm-vs-live", label: `${label}/${rep}`, time: new Date().toISOString(), rev: res.rev,
      replayed_events_per_s: res.replayed_events_per_s, live_deliveries_per_s: Math.round(fan.deliveries_per_s),
      ratio: +(res.replayed_events_per_s / fan.deliveries_per_s).toFixed(3), storm_max_stall_ms: stall,
      exact: res.exact_streams === res.streams && fan.lost === 0 && fan.duplicates === 0,
      target_met: res.replayed_events_per_s >= fan.deliveries_per_s && stall <= 50 && res.exact_streams === res.streams,
      fanout: fan, resume: res,
    };
    fs.appendFileSync(out, JSON.stringify(line) + "\n");
    console.log(`${line.label}: replay ${line.replayed_events_per_s} ev/s, live (iii) ${line.live_deliveries_per_s} deliveries/s, ratio ${line.ratio}, ` +
      `max stall ${stall} ms, storm ${res.storm_s} s (connect ${res.connect_s} s), exact ${res.exact_streams}/${res.streams}, server µs/event ${res.server_us_per_replayed_event}`);
  ' "$TMP/fan.jsonl" "$TMP/resume.jsonl" "$OUT" "$LABEL" "$r"
done
