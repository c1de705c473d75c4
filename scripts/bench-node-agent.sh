#!/usr/bin/env bash
# What the Node agent costs a service: requests/s of a hello-world
# (agents/node/example/hello.js) without strain-vitals, with it (read by
# strain every second, as --watch reads it), and with it while a CPU
# profile runs through the whole round; closed loop, rounds interleaved,
# on loopback, the service pinned to one CPU and strain to another.
# Usage: scripts/bench-node-agent.sh [seconds=5] [rounds=5] [concurrency=10] [service-cpu=0] [strain-cpu=1]
set -euo pipefail
secs=${1:-5}; rounds=${2:-5}; conc=${3:-10}; svc_cpu=${4:-0}; load_cpu=${5:-1}
cd "$(dirname "$0")/.."
command -v node > /dev/null || { echo "bench-node-agent: node not found"; exit 2; }
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT
go build -o "$work/strain" ./cmd/strain
run() { # run off|on|profiling: prints req/s
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
  taskset -c "$load_cpu" "$work/strain" run "http://127.0.0.1:$port/" -c "$conc" -d "${secs}s" "${watch[@]}" --no-tui --no-diagnose -o "$work/r.json" > "$work/run.log" 2>&1 || { echo "bench-node-agent: strain run failed:" >&2; cat "$work/run.log" >&2; exit 1; }
  [ -n "$prof" ] && { wait "$prof" || true; }
  kill "$pid"; wait "$pid" 2>/dev/null || true
  python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["summary"]["throughput"])' "$work/r.json"
}
off=(); on=(); prof=()
for r in $(seq "$rounds"); do
  off+=("$(run off)"); on+=("$(run on)"); prof+=("$(run profiling)")
done
python3 - "${off[*]}" "${on[*]}" "${prof[*]}" <<'PY'
import statistics, sys
off, on, prof = ([float(x) for x in a.split()] for a in sys.argv[1:4])
mo = statistics.median(off)
for name, xs in (("without the agent", off), ("with the agent", on), ("with it, profiling", prof)):
    print(f"{name:20s} median {statistics.median(xs):8.0f} req/s   runs: {' '.join(f'{x:.0f}' for x in xs)}")
print(f"with/without: {statistics.median(on) / mo:.3f}   profiling/without: {statistics.median(prof) / mo:.3f}")
# Round by round: each round's three runs were next to each other in time.
print("by round, with/without:", " ".join(f"{b / a:.3f}" for a, b in zip(off, on)))
PY
