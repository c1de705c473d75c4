#!/usr/bin/env bash
# What the Node agent costs a service: requests/s of a hello-world
# (agents/node/example/hello.js) without strain-vitals, with it (read by
# strain every second, as --watch reads it), with it while a CPU profile
# runs through the whole round, and with it while the blocking capture
# (sampled every millisecond) does; rounds interleaved, on loopback,
# the service pinned to one CPU and strain to another. Two figures a run:
# requests/s, and the service's CPU per request (utime + stime from /proc
# over the run, over the requests served). At a fixed rate (RATE, the
# default: 1000/s, open model) the CPU per request is the cost, and a
# machine shared with other work disturbs it far less than it disturbs a
# closed loop's requests/s (RATE=0: closed loop, 10 in flight).
# Usage: [RATE=1000] [MODES='off on profiling blocking'] scripts/bench-node-agent.sh [seconds=5] [rounds=5] [service-cpu=0] [strain-cpu=1]
set -euo pipefail
secs=${1:-5}; rounds=${2:-5}; svc_cpu=${3:-0}; load_cpu=${4:-1}; rate=${RATE:-1000}
model=(-c 10)
[ "$rate" -gt 0 ] && model=(-r "$rate" -c 100)
cd "$(dirname "$0")/.."
command -v node > /dev/null || { echo "bench-node-agent: node not found"; exit 2; }
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT
go build -o "$work/strain" ./cmd/strain
cpu() { # cpu PID: the process's CPU seconds, from /proc
  awk '{sub(/.*\) /, ""); print ($12 + $13) / 100}' "/proc/$1/stat"
}
run() { # run off|on|profiling|blocking: prints req/s and µs of service CPU a request
  local flag="" port agent watch=()
  [ "$1" = off ] && flag=--no-agent
  # A file of its own each run: the last run's line must not be read
  # before this service has written its own.
  local out
  out=$(mktemp -p "$work")
  taskset -c "$svc_cpu" node agents/node/example/hello.js 0 0 $((secs + 30)) $flag > "$out" &
  local pid=$!
  pids+=("$pid")
  for _ in $(seq 100); do grep -q listening "$out" && break; sleep 0.1; done
  read -r _ port agent < "$out"
  [ "$1" != off ] && watch=(--watch "http://127.0.0.1:$agent")
  local prof=""
  case $1 in
    profiling) curl -s -o /dev/null "http://127.0.0.1:$agent/debug/pprof/profile?seconds=$((secs + 1))" & prof=$! ;;
    blocking) curl -s -o /dev/null "http://127.0.0.1:$agent/debug/pprof/blocking?seconds=$((secs + 1))" & prof=$! ;;
  esac
  local c0 c1
  c0=$(cpu "$pid")
  taskset -c "$load_cpu" "$work/strain" run "http://127.0.0.1:$port/" "${model[@]}" -d "${secs}s" "${watch[@]}" --no-tui --no-diagnose -o "$work/r.json" > "$work/run.log" 2>&1 || { echo "bench-node-agent: strain run failed:" >&2; cat "$work/run.log" >&2; exit 1; }
  c1=$(cpu "$pid")
  [ -n "$prof" ] && { wait "$prof" || true; }
  kill "$pid"; wait "$pid" 2>/dev/null || true
  python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["summary"]; c=float(sys.argv[3])-float(sys.argv[2]); print("%.0f/%.1f" % (s["throughput"], c/s["requests"]*1e6))' "$work/r.json" "$c0" "$c1"
}
# MODES picks the kinds of run (all four unless given), in this order
# within each round; the first is the base the others compare with.
modes=(${MODES:-off on profiling blocking})
declare -A res
for r in $(seq "$rounds"); do
  for m in "${modes[@]}"; do res[$m]+="$(run "$m") "; done
done
args=()
for m in "${modes[@]}"; do args+=("$m=${res[$m]}"); done
python3 - "${args[@]}" <<'PY'
import statistics, sys
names = {"off": "without the agent", "on": "with the agent", "profiling": "with it, profiling", "blocking": "with it, blocking"}
runs = []
for a in sys.argv[1:]:
    mode, xs = a.split("=", 1)
    runs.append((mode, [tuple(float(v) for v in x.split("/")) for x in xs.split()]))
med = lambda xs, i: statistics.median(x[i] for x in xs)
base_mode, base = runs[0]
for mode, xs in runs:
    print(f"{names[mode]:20s} median {med(xs, 0):8.0f} req/s {med(xs, 1):7.1f} µs CPU/req   runs (req/s/µs): {' '.join(f'{a:.0f}/{b:.1f}' for a, b in xs)}")
for mode, xs in runs[1:]:
    print(f"{mode}/{base_mode}: {med(xs, 0) / med(base, 0):.3f} of the requests/s, {med(xs, 1) / med(base, 1):.3f} of the CPU a request"
          f" (round by round, the median ratio: {statistics.median(b[1] / a[1] for a, b in zip(base, xs)):.3f})")
PY
