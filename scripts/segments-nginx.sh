#!/usr/bin/env bash
# A load split into segments, run as a cluster would run it, on one machine:
# N `strain run --segment I/N` processes against one nginx, started together
# with --start-at, then `strain merge`. Prints nginx's own count of requests
# (its access log) beside the merged report's, and the merged throughput
# beside the rate asked for.
#
# Usage, from anywhere in the project: scripts/segments-nginx.sh [rate=1500] [duration=10s] [segments=3]
# Needs nginx (apt-get install -y nginx-light).
set -euo pipefail

rate=${1:-1500} dur=${2:-10s} n=${3:-3}
[[ $rate =~ ^[1-9][0-9]*$ && $dur =~ ^[1-9][0-9]*s$ && $n =~ ^[1-9][0-9]*$ ]] ||
  { echo "usage: $0 [rate=1500] [duration=10s] [segments=3]" >&2; exit 2; }
for tool in nginx jq go; do
  command -v "$tool" > /dev/null 2>&1 || { echo "segments-nginx: $tool not found (apt-get install -y nginx-light jq)" >&2; exit 2; }
done
cd "$(dirname "$0")/.."
work=$(mktemp -d "${TMPDIR:-/tmp}/segments-nginx.XXXXXX")
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat > "$work/nginx.conf" << CONF
worker_processes 1;
pid $work/nginx.pid;
error_log $work/error.log;
events { worker_connections 8192; }
http { access_log $work/access.log; keepalive_requests 10000000;
  server { listen 127.0.0.1:$port; location / { return 200 "hello\n"; } } }
CONF
go build -o "$work/strain" ./cmd/strain
nginx -c "$work/nginx.conf"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2> /dev/null || true; done
  kill "$(cat "$work/nginx.pid")" 2> /dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

at=$(date -u -d '+2 seconds' +%Y-%m-%dT%H:%M:%SZ)
files=()
for i in $(seq 0 $((n - 1))); do
  "$work/strain" run "http://127.0.0.1:$port/" --segment "$i/$n" --start-at "$at" -r "$rate" -d "$dur" \
    --no-tui --no-diagnose -o "$work/segment-$i.json" > /dev/null 2> "$work/segment-$i.log" &
  pids+=($!)
  files+=("$work/segment-$i.json")
done
for p in "${pids[@]}"; do wait "$p"; done
pids=()
"$work/strain" merge "${files[@]}" -o "$work/merged.json" --gate "throughput > $((rate * 98 / 100))" > "$work/merged.txt" || true
sleep 0.5 # nginx writes its log as each request ends
counted=$(wc -l < "$work/access.log")
jq -r --arg nginx "$counted" --arg rate "$rate" '"segments \(.merged.segments | length) of \(.merged.count)\n" +
  "requests: merged \(.summary.requests), nginx \($nginx)\n" +
  "throughput: merged \(.summary.throughput | . * 10 | round / 10) req/s, asked \($rate) req/s (\(.summary.throughput / ($rate | tonumber) * 1000 | round / 10)%)\n" +
  "latency p50 \(.summary["latency.p50"] * 1e6 | round) µs, p99 \(.summary["latency.p99"] * 1e6 | round) µs\n" +
  "gates: \([.gates[] | "\(.expr): \(if .pass then "pass" else "FAIL" end)"] | join(", "))"' "$work/merged.json"
