#!/usr/bin/env bash
# What the Python agent costs a service: requests/s of an example service
# ("/" answered at once) with strain_vitals on and off, closed loop, rounds
# interleaved, on loopback. APP=stdlib (agents/python/examples/service.py,
# the default) or APP=aiohttp (examples/aiohttp_service.py, a hello-world
# under the distribution's aiohttp: scripts/setup-python.sh).
# Usage: [APP=aiohttp] scripts/bench-python-agent.sh [seconds=5] [rounds=3] [concurrency=10]
set -euo pipefail
secs=${1:-5}; rounds=${2:-3}; conc=${3:-10}
cd "$(dirname "$0")/.."
command -v python3 > /dev/null || { echo "bench-python-agent: python3 not found"; exit 2; }
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT
go build -o "$work/strain" ./cmd/strain
run() { # run on|off: prints req/s
  local flag="" port
  [ "$1" = off ] && flag=--no-agent
  case ${APP:-stdlib} in
    aiohttp) /usr/bin/python3 agents/python/examples/aiohttp_service.py --agent-port 0 --seconds $((secs + 30)) $flag > "$work/svc.out" & ;;
    *) python3 agents/python/examples/service.py --port 0 --agent-port 0 --seconds $((secs + 30)) $flag > "$work/svc.out" & ;;
  esac
  local pid=$!
  pids+=("$pid")
  for _ in $(seq 50); do grep -q listening "$work/svc.out" && break; sleep 0.1; done
  port=$(awk '/listening/{print $2}' "$work/svc.out")
  "$work/strain" run "http://127.0.0.1:$port/" -c "$conc" -d "${secs}s" --no-tui --no-diagnose -o "$work/r.json" > /dev/null 2>&1
  kill "$pid"; wait "$pid" 2>/dev/null || true
  python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["summary"]["throughput"])' "$work/r.json"
}
on=(); off=()
for r in $(seq "$rounds"); do
  off+=("$(run off)"); on+=("$(run on)")
done
python3 - "${off[*]}" "${on[*]}" <<'PY'
import statistics, sys
off = [float(x) for x in sys.argv[1].split()]; on = [float(x) for x in sys.argv[2].split()]
mo, mn = statistics.median(off), statistics.median(on)
print(f"without the agent  median {mo:8.0f} req/s   runs: {' '.join(f'{x:.0f}' for x in off)}")
print(f"with the agent     median {mn:8.0f} req/s   runs: {' '.join(f'{x:.0f}' for x in on)}")
print(f"with/without: {mn / mo:.3f}")
PY
