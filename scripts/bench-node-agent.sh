#!/usr/bin/env bash
# What the Node agent costs a service: requests/s of a hello-world
# (agents/node/example/hello.js) without strain-vitals, with it (read by
# strain every second, as --watch reads it), and with it while a CPU
# profile runs through the whole round; rounds interleaved, on loopback,
# the service pinned to one CPU and strain to another. Two figures a run:
# requests/s, and the service's CPU per request (utime + stime from /proc
# over the run, over the requests served). At a fixed rate (RATE, the
# default: 1000/s, open model) the CPU per request is the cost, and a
# machine shared with other work disturbs it far less than it disturbs a
# closed loop's requests/s (RATE=0: closed loop, 10 in flight).
# Usage: [RATE=1000] scripts/bench-node-agent.sh [seconds=5] [rounds=5] [service-cpu=0] [strain-cpu=1]
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
run() { # run off|on|profiling: prints req/s and µs of service CPU a request
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
  if [ "$1" = profiling ]; then
    curl -s -o /dev/null "http://127.0.0.1:$agent/debug/pprof/profile?seconds=$((secs + 1))" &
    prof=$!
  fi
  local c0 c1
  c0=$(cpu "$pid")
  taskset -c "$load_cpu" "$work/strain" run "http://127.0.0.1:$port/" "${model[@]}" -d "${secs}s" "${watch[@]}" --no-tui --no-diagnose -o "$work/r.json" > "$work/run.log" 2>&1 || { echo "bench-node-agent: strain run failed:" >&2; cat "$work/run.log" >&2; exit 1; }
  c1=$(cpu "$pid")
  [ -n "$prof" ] && { wait "$prof" || true; }
  kill "$pid"; wait "$pid" 2>/dev/null || true
  python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["summary"]; c=float(sys.argv[3])-float(sys.argv[2]); print("%.0f/%.1f" % (s["throughput"], c/s["requests"]*1e6))' "$work/r.json" "$c0" "$c1"
}
off=(); on=(); prof=()
for r in $(seq "$rounds"); do
  off+=("$(run off)"); on+=("$(run on)"); prof+=("$(run profiling)")
done
python3 - "${off[*]}" "${on[*]}" "${prof[*]}" <<'PY'
import statistics, sys
runs = [[tuple(float(v) for v in x.split("/")) for x in a.split()] for a in sys.argv[1:4]]
med = lambda xs, i: statistics.median(x[i] for x in xs)
off = runs[0]
for name, xs in zip(("without the agent", "with the agent", "with it, profiling"), runs):
    print(f"{name:20s} median {med(xs, 0):8.0f} req/s {med(xs, 1):7.1f} µs CPU/req   runs (req/s/µs): {' '.join(f'{a:.0f}/{b:.1f}' for a, b in xs)}")
for name, xs in (("with", runs[1]), ("profiling", runs[2])):
    print(f"{name}/without: {med(xs, 0) / med(off, 0):.3f} of the requests/s, {med(xs, 1) / med(off, 1):.3f} of the CPU a request"
          f" (round by round, the median ratio: {statistics.median(b[1] / a[1] for a, b in zip(off, xs)):.3f})")
PY
