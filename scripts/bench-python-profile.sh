#!/usr/bin/env bash
# What the Python agent's CPU profile costs a service while it runs:
# requests/s of one example service (agent on, "/" answered at once) under
# strain's closed-loop load, with a CPU profile
# (/debug/pprof/profile?seconds=N) taken over the whole of the load and
# without, alternating in the same process, rounds interleaved. The service
# is pinned to one core and strain to the other (taskset), so that the
# sampler's CPU is taken from the service's core, as it would be.
# APP=aiohttp (examples/aiohttp_service.py under the distribution's aiohttp,
# the default) or APP=stdlib (examples/service.py).
# Usage: [APP=stdlib] scripts/bench-python-profile.sh [seconds=5] [rounds=5] [concurrency=10]
set -euo pipefail
secs=${1:-5}; rounds=${2:-5}; conc=${3:-10}
cd "$(dirname "$0")/.."
for tool in taskset curl /usr/bin/python3; do
  command -v "$tool" > /dev/null || { echo "bench-python-profile: $tool not found"; exit 2; }
done
[ "$(nproc)" -ge 2 ] || { echo "bench-python-profile: needs 2 cores"; exit 2; }
work=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT
go build -o "$work/strain" ./cmd/strain
total=$(( (secs + 3) * rounds * 2 + 30 ))
case ${APP:-aiohttp} in
  aiohttp) taskset -c 1 /usr/bin/python3 agents/python/examples/aiohttp_service.py --agent-port 0 --seconds "$total" > "$work/svc.out" & ;;
  *) taskset -c 1 /usr/bin/python3 agents/python/examples/service.py --port 0 --agent-port 0 --seconds "$total" > "$work/svc.out" & ;;
esac
pid=$!
for _ in $(seq 50); do grep -q listening "$work/svc.out" && break; sleep 0.1; done
read -r _ port agent < "$work/svc.out"
cputicks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
load() { # load on|off: prints "req/s µs-of-CPU-per-request"
  local prof="" before after
  if [ "$1" = on ]; then
    # Begins before the load and ends after it: the whole load is profiled.
    curl -sf -o "$work/cpu.pb.gz" "http://127.0.0.1:$agent/debug/pprof/profile?seconds=$((secs + 2))" &
    prof=$!
    sleep 0.5
  fi
  before=$(cputicks)
  taskset -c 0 "$work/strain" run "http://127.0.0.1:$port/" -c "$conc" -d "${secs}s" --procs 1 --no-tui --no-diagnose -o "$work/r.json" > /dev/null 2>&1
  after=$(cputicks)
  if [ -n "$prof" ]; then wait "$prof"; fi
  /usr/bin/python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["summary"]; print(s["throughput"], (int(sys.argv[3]) - int(sys.argv[2])) * 1e6 / int(sys.argv[4]) / s["requests"])' \
    "$work/r.json" "$before" "$after" "$(getconf CLK_TCK)"
}
idle() { # idle on|off: prints the service's CPU time over secs, in ms, the load off
  local prof="" before after
  before=$(cputicks)
  if [ "$1" = on ]; then
    curl -sf -o /dev/null "http://127.0.0.1:$agent/debug/pprof/profile?seconds=$secs"
  else
    sleep "$secs"
  fi
  after=$(cputicks)
  echo $(( (after - before) * 1000 / $(getconf CLK_TCK) ))
}
ion=(); ioff=()
for r in 1 2 3; do ioff+=("$(idle off)"); ion+=("$(idle on)"); done
echo "idle, ${secs}s: the service's CPU without a profile ${ioff[*]} ms; profiling ${ion[*]} ms (the difference is the sampler's own)"
load off > /dev/null # warm up
on=(); off=()
for r in $(seq "$rounds"); do
  if [ $((r % 2)) = 1 ]; then off+=("$(load off)"); on+=("$(load on)"); else on+=("$(load on)"); off+=("$(load off)"); fi
done
samples=$("$work/strain" profile top "$work/cpu.pb.gz" -n 3 2>&1 || true)
/usr/bin/python3 - "$(printf '%s;' "${off[@]}")" "$(printf '%s;' "${on[@]}")" <<'PY'
import statistics, sys
def rounds(arg):
    return [tuple(map(float, r.split())) for r in arg.split(";") if r]
off, on = rounds(sys.argv[1]), rounds(sys.argv[2])
for name, rs in (("without a profile", off), ("profiling", on)):
    print(f"{name:18} median {statistics.median(r[0] for r in rs):7.0f} req/s  {statistics.median(r[1] for r in rs):6.1f} µs CPU/request"
          f"   runs: {' '.join(f'{r[0]:.0f}/{r[1]:.1f}' for r in rs)}")
thr = statistics.median(r[0] for r in on) / statistics.median(r[0] for r in off)
cpu = statistics.median(r[1] for r in off) / statistics.median(r[1] for r in on)
per = sorted(b[0] / a[0] for a, b in zip(off, on))
print(f"profiling/without: throughput {thr:.3f} (medians; per round {' '.join(f'{x:.3f}' for x in per)})")
print(f"profiling/without: requests per CPU second {cpu:.3f} (medians), the throughput of a service that has its core")
PY
echo "the last profile's top (strain profile top):"
echo "$samples"
