#!/usr/bin/env bash
# Soak: strain at a high rate for a long run against its own demo target on
# loopback, then strain's own RSS, heap and goroutines over time, read from
# its report (self.*). Flat lines mean memory does not grow with the run.
# Usage, from the project root: scripts/soak.sh [duration=10m] [rate=20000]
#
# scripts/soak.sh --test runs instead the one-minute soak that asserts it,
# TestSoakStaysFlat, which is kept out of the suite by its build tag.
set -euo pipefail
if [ "${1:-}" = --test ]; then
  cd "$(dirname "$0")/.."
  exec go test -tags soak -run TestSoakStaysFlat -count=1 ./cmd/strain
fi
dur=${1:-10m}; rate=${2:-20000}
work=$(mktemp -d); trap 'kill $tpid 2>/dev/null; rm -rf "$work"' EXIT
go build -o "$work/strain" ./cmd/strain
"$work/strain" target --listen 127.0.0.1:0 > "$work/addr" & tpid=$!
for _ in $(seq 50); do [ -s "$work/addr" ] && break; sleep 0.1; done
addr=$(head -1 "$work/addr")
"$work/strain" run "http://$addr/ok" -r "$rate" -d "$dur" --no-tui -o "$work/soak.json" > /dev/null 2>&1 || true
python3 - "$work/soak.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
s = r["series"]
print(f'{r["summary"]["requests"]:.0f} requests, {r["summary"]["throughput"]:.0f} req/s over {r["duration_seconds"]:.0f}s')
print(f'{"t":>6} {"self.rss MiB":>13} {"self.heap MiB":>14} {"goroutines":>11} {"throughput":>11}')
step = max(1, len(s) // 20)
for p in s[::step] + [s[-1]]:
    m = p["metrics"]
    print(f'{p["t"]:6.0f} {m.get("self.rss", 0)/2**20:13.1f} {m.get("self.heap", 0)/2**20:14.1f} {m.get("self.goroutines", 0):11.0f} {m.get("throughput", 0):11.0f}')
PY
