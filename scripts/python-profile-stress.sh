#!/usr/bin/env bash
# Takes the Python agent's CPU profile back to back, N times 5 s, from the
# aiohttp example under strain's closed-loop load, with faulthandler on:
# a profile that reads the loop's frames unsafely crashes the interpreter
# (CPython 3.11: SIGSEGV in frame.f_back), and faulthandler says where.
# Usage: scripts/python-profile-stress.sh [profiles=60]
set -euo pipefail
n=${1:-60}
cd "$(dirname "$0")/.."
for tool in curl /usr/bin/python3; do
  command -v "$tool" > /dev/null || { echo "python-profile-stress: $tool not found"; exit 2; }
done
/usr/bin/python3 -c 'import aiohttp' 2> /dev/null || { echo "python-profile-stress: no aiohttp (scripts/setup-python.sh)"; exit 2; }
work=$(mktemp -d)
pid="" load=""
trap '[ -n "$load" ] && kill "$load" 2>/dev/null; [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT
go build -o "$work/strain" ./cmd/strain
/usr/bin/python3 -X faulthandler agents/python/examples/aiohttp_service.py --agent-port 0 --seconds $((n * 6 + 30)) > "$work/svc.out" 2> "$work/svc.err" &
pid=$!
for _ in $(seq 50); do grep -q listening "$work/svc.out" && break; sleep 0.1; done
read -r _ port agent < "$work/svc.out"
"$work/strain" run "http://127.0.0.1:$port/" -c 10 -d $((n * 6))s --no-tui --no-diagnose -o "$work/r.json" > /dev/null 2>&1 &
load=$!
for i in $(seq "$n"); do
  if ! curl -sf -o /dev/null "http://127.0.0.1:$agent/debug/pprof/profile?seconds=5"; then
    echo "profile $i of $n failed; the service:"
    wait "$pid" || echo "exit $?"
    head -20 "$work/svc.err"
    exit 1
  fi
done
echo "$n profiles of 5 s under load, the service still up"
