#!/usr/bin/env bash
# trace-cost.sh: what execution-trace windows cost a Go service, at the
# monitor's default duty cycle (monitor.DefaultTraceWindow every
# monitor.DefaultTraceEvery).
#
# It serves strain's demo target on loopback (its own flight recorder off,
# so that "without" means untraced) and loads /ok with strain in a closed
# model, in interleaved rounds without and with windows: during a "with"
# round, scripts/tracecost takes the windows through monitor.NewTrace on
# this same machine, so its fetch and parse CPU count too. It prints each
# round's throughput, their ratio with/without and the median ratio; then
# tracecost's CPU per window at a fixed rate of a few thousand req/s.
#
#   scripts/trace-cost.sh [ROUNDS [SECONDS [RATE]]]    (default 10 5 3000)
#
# Where taskset exists (PIN=0 turns it off) the target runs on core 0 and
# strain and the window reader on the others, so that a round's throughput
# is the target's core's, not the share a shared machine left it; the
# ratio is taken round by round, as bench-pinned.sh does.
#
# Bounded: 2×ROUNDS×SECONDS plus 2×SECONDS, ~110 s at the defaults.
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=${1:-10}
secs=${2:-5}
rate=${3:-3000}
port=${PORT:-18091}
base=http://127.0.0.1:$port
work=$(mktemp -d)
pids=()

cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

go build -o "$work/strain" ./cmd/strain
go build -o "$work/tracecost" ./scripts/tracecost

target_on=() load_on=()
if [ "${PIN:-1}" = 1 ] && command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
  target_on=(taskset -c 0) load_on=(taskset -c "1-$(($(nproc) - 1))")
fi
"${target_on[@]}" "$work/strain" target --listen "127.0.0.1:$port" --flight-recorder=false >"$work/target.out" 2>&1 &
pids+=($!)
for _ in $(seq 50); do
  curl -sf "$base/ok" >/dev/null 2>&1 && break
  sleep 0.1
done

# load ARGS... runs strain against /ok for $secs and prints its throughput.
load() {
  "${load_on[@]}" "$work/strain" run "$base/ok" -d "${secs}s" --no-tui -o "$work/r.json" "$@" >/dev/null 2>&1
  python3 -c 'import json,sys; print("%.0f" % json.load(open(sys.argv[1]))["summary"]["throughput"])' "$work/r.json"
}

# with_windows CMD... runs CMD while tracecost takes windows, and prints
# tracecost's summary to $work/tracecost.out.
with_windows() {
  "${load_on[@]}" "$work/tracecost" -pprof "$base/debug/pprof" -d "$((secs + 5))s" >"$work/tracecost.out" 2>&1 &
  local tc=$!
  pids+=("$tc")
  "$@"
  kill -INT "$tc" 2>/dev/null || true
  wait "$tc" 2>/dev/null || true
}

echo "closed model, 16 connections, ${secs}s rounds; throughput in req/s"
ratios=()
for i in $(seq "$rounds"); do
  # Alternate which goes first, so that a drift in the machine's load
  # does not favour one side.
  if ((i % 2)); then
    without=$(load -c 16)
    with=$(with_windows load -c 16)
  else
    with=$(with_windows load -c 16)
    without=$(load -c 16)
  fi
  ratio=$(python3 -c "print('%.3f' % ($with / $without))")
  ratios+=("$ratio")
  echo "round $i: without $without  with $with  ratio $ratio   ($(head -1 "$work/tracecost.out"))"
done
printf '%s\n' "${ratios[@]}" | python3 -c '
import sys, statistics
r = sorted(float(x) for x in sys.stdin)
print("median ratio with/without: %.3f (range %.3f–%.3f over %d rounds)" % (statistics.median(r), r[0], r[-1], len(r)))'


echo "open model at $rate req/s, ${secs}s: the parse's cost"
with_windows load -r "$rate" -c 64 >/dev/null
cat "$work/tracecost.out"
