#!/usr/bin/env bash
# gRPC unary calls: strain against ghz, on loopback against one grpc-go
# server (scripts/grpcecho: loadgen/grpc/grpctest's Echo service), at the
# same concurrency and connections:
#   1 connection × 50 in flight     ghz -c 50 --connections 1     strain -c 50 --connections 1
#   4 connections × 50 in flight    ghz -c 50 --connections 4     strain -c 50 --connections 4
#   a fixed rate both reach         ghz --rps R                   strain -r R
# Rounds interleave the tools (ghz, then strain). Each row: the median
# calls/s of each; the ratio strain / ghz taken round by round (the
# machine's own drift moves both tools of a round alike), its median with
# a bootstrapped 95% interval, and its range; each client's CPU per call
# (user + system, µs), and the ratio of the calls each makes per CPU-second
# of its own, strain's over ghz's, with its interval.
# The fixed-rate row gives each tool's p50 and p99 instead, to compare
# the latencies they report, both measured from each call's send (strain's
# latency_uncorrected: ghz does not correct for coordinated omission);
# with h2load installed (nghttp2-client), a third client beside them, in
# C on nghttp2, posting the same framed message with the same headers
# (its --log-file's per-request times): a referee that is neither tool.
#
# Usage, from anywhere in the project: scripts/peers-grpc.sh [seconds=5] [rounds=5] [rate=2000]
# PIN=1 pins the server to CPU 0 and each client to CPU 1.
# Needs ghz: go install github.com/bojand/ghz/cmd/ghz@latest
set -euo pipefail

secs=${1:-5} rounds=${2:-5} rate=${3:-2000}
[[ $secs =~ ^[1-9][0-9]*$ && $secs -ge 2 && $rounds =~ ^[1-9][0-9]*$ && $rate =~ ^[1-9][0-9]*$ ]] || {
  echo "usage: $0 [seconds=5, at least 2] [rounds=5] [rate=2000]" >&2; exit 2; }
ghz=$(command -v ghz || echo "$(go env GOPATH)/bin/ghz")
[ -x "$ghz" ] || { echo "peers-grpc: ghz not found (go install github.com/bojand/ghz/cmd/ghz@latest)" >&2; exit 2; }
cd "$(dirname "$0")/.."
work=$(mktemp -d "${TMPDIR:-/tmp}/peers-grpc.XXXXXX")
trap '[ -f "$work/echo.pid" ] && kill "$(cat "$work/echo.pid")" 2> /dev/null; rm -rf "$work"' EXIT
go build -o "$work/strain" ./cmd/strain
go build -o "$work/grpcecho" ./scripts/grpcecho
"$work/grpcecho" > "$work/addr" 2> "$work/echo.err" &
echo $! > "$work/echo.pid"
for _ in $(seq 50); do [ -s "$work/addr" ] && break; sleep 0.1; done
addr=$(head -1 "$work/addr") proto=$(sed -n 's/^proto: //p' "$work/echo.err")
client=()
if [ "${PIN:-0}" = 1 ]; then
  command -v taskset > /dev/null && [ "$(nproc)" -ge 2 ] || { echo "peers-grpc: PIN=1 needs taskset and 2 cores" >&2; exit 2; }
  taskset -pc 0 "$(cat "$work/echo.pid")" > /dev/null
  client=(taskset -c 1)
fi
# timed CMD...: runs CMD, then prints its CPU time (user + system, s) on fd 3.
timed() { python3 -c 'import os, subprocess, sys
p = subprocess.Popen(sys.argv[1:]); _, status, ru = os.wait4(p.pid, 0)
os.write(3, b"%f\n" % (ru.ru_utime + ru.ru_stime)); sys.exit(os.waitstatus_to_exitcode(status))' "$@"; }
msg='{"key": "user-7"}'
# ghz_run CONNS [RPS]: calls/s, CPU µs a call, p50 ms, p99 ms
ghz_run() {
  local rps=()
  [ -n "${2:-}" ] && rps=(--rps "$2")
  timed "${client[@]}" "$ghz" --insecure --proto "$proto" --import-paths "$(dirname "$proto")" --call strain.echo.Echo.Say \
    -d "$msg" -c 50 --connections "$1" "${rps[@]}" -z "${secs}s" -O json "$addr" > "$work/ghz.json" 2> /dev/null 3> "$work/cpu"
  python3 - "$work/ghz.json" "$(cat "$work/cpu")" << 'PY'
import json, sys
r, cpu = json.load(open(sys.argv[1])), float(sys.argv[2])
ok = r["statusCodeDistribution"].get("OK", 0)
lat = {d["percentage"]: d["latency"] / 1e6 for d in r["latencyDistribution"]}
print(round(r["rps"]), round(cpu / max(r["count"], 1) * 1e6, 1), lat.get(50, 0), lat.get(99, 0), ok)
PY
}
# strain_run CONNS [RATE]: the same figures
strain_run() {
  local load=(-c 50 --connections "$1")
  [ -n "${2:-}" ] && load=(-r "$2" -c 50 --connections "$1")
  rm -f "$work/r.json"
  timed "${client[@]}" "$work/strain" run "grpc://$addr/strain.echo.Echo/Say" --body "$msg" "${load[@]}" -d "${secs}s" \
    --no-tui --no-diagnose -o "$work/r.json" > /dev/null 2>&1 3> "$work/cpu"
  python3 - "$work/r.json" "$(cat "$work/cpu")" << 'PY'
import json, sys
r, cpu = json.load(open(sys.argv[1])), float(sys.argv[2])
s = r["summary"]
# From the send, as ghz measures: the open model's corrected figures (from
# each call's intended start) are in the report beside them.
p50, p99 = s.get("latency_uncorrected.p50", s["latency.p50"]), s.get("latency_uncorrected.p99", s["latency.p99"])
print(round(s["throughput"]), round(cpu / max(s["requests"], 1) * 1e6, 1), p50 * 1e3, p99 * 1e3, r["status_codes"].get("OK", 0))
PY
}
# h2load_run RATE: h2load's calls/s, p50 ms, p99 ms at RATE, on one
# connection with 50 streams; "0 0 0" without h2load.
h2load_run() {
  command -v h2load > /dev/null || { echo "0 0 0"; return; }
  # The message {"key": "user-7"} as gRPC frames it: no compression, 8
  # bytes, field 1 (key) a string of 6.
  printf '\x00\x00\x00\x00\x08\x0a\x06user-7' > "$work/frame.bin"
  rm -f "$work/h2load.log"
  "${client[@]}" h2load -c 1 -m 50 --rps "$1" -D "$secs" -d "$work/frame.bin" -H 'content-type: application/grpc' -H 'te: trailers' \
    --log-file "$work/h2load.log" "http://$addr/strain.echo.Echo/Say" > /dev/null 2>&1
  python3 - "$work/h2load.log" "$secs" << 'PY'
import sys
v = sorted(int(l.split()[2]) for l in open(sys.argv[1]) if l.split()[1] == "200")
print(round(len(v) / float(sys.argv[2])), v[len(v) // 2] / 1e3 if v else 0, v[int(len(v) * 0.99)] / 1e3 if v else 0)
PY
}
served() { kill -0 "$(cat "$work/echo.pid")"; }

summary() {
  PYTHONPATH=scripts python3 - "$1" "$work/rounds" << 'PY'
import random, statistics as st, sys
from stats import median_interval
name, rows = sys.argv[1], [[float(v) for v in l.split()] for l in open(sys.argv[2])]
g, s = [r[0] for r in rows], [r[5] for r in rows]
ratios = [b / a for a, b in zip(g, s) if a > 0]
random.seed(1)
m, lo, hi = median_interval(ratios)
# Calls per CPU-second of the client, strain's over ghz's, round by round:
# what the clients cost, whatever the server could take.
eff = [r[1] / r[6] for r in rows if r[6] > 0]
em, elo, ehi = median_interval(eff)
print("| %s | %.1fk | %.1fk | **%.2f** (%.2f–%.2f) | %.2f–%.2f | %.0f / %.0f | **%.2f** (%.2f–%.2f) |" % (
    name, st.median(g) / 1000, st.median(s) / 1000, m, lo, hi, min(ratios), max(ratios),
    st.median(r[1] for r in rows), st.median(r[6] for r in rows), em, elo, ehi))
PY
}

echo "| $rounds rounds of ${secs} s, PIN=${PIN:-0} | ghz calls/s | strain calls/s | ratio, median of the rounds' (95% interval) | rounds' range | client CPU µs a call (ghz / strain) | calls per client CPU-second, strain / ghz (95% interval) |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
for conns in 1 4; do
  : > "$work/rounds"
  for _ in $(seq "$rounds"); do
    read -r g gc gp50 gp99 gok < <(ghz_run "$conns")
    read -r s sc sp50 sp99 sok < <(strain_run "$conns")
    echo "$g $gc $gp50 $gp99 $gok $s $sc $sp50 $sp99 $sok" >> "$work/rounds"
    echo "peers-grpc: $conns connection(s) × 50: ghz $g calls/s ($gc µs CPU a call), strain $s calls/s ($sc µs)" >&2
  done
  summary "$conns connection(s) × 50 in flight"
done
echo
echo "| at $rate calls/s, $rounds rounds | ghz p50 | strain p50 | h2load p50 | ghz p99 | strain p99 | h2load p99 |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
: > "$work/rounds"
for _ in $(seq "$rounds"); do
  read -r g gc gp50 gp99 gok < <(ghz_run 1 "$rate")
  read -r s sc sp50 sp99 sok < <(strain_run 1 "$rate")
  read -r h hp50 hp99 < <(h2load_run "$rate")
  echo "$g $gc $gp50 $gp99 $gok $s $sc $sp50 $sp99 $sok $h $hp50 $hp99" >> "$work/rounds"
  echo "peers-grpc: at $rate/s: ghz $g calls/s p50 ${gp50}ms p99 ${gp99}ms; strain $s calls/s p50 ${sp50}ms p99 ${sp99}ms; h2load $h calls/s p50 ${hp50}ms p99 ${hp99}ms" >&2
done
python3 - "$work/rounds" << 'PY'
import statistics as st, sys
rows = [[float(v) for v in l.split()] for l in open(sys.argv[1])]
m = lambda i: st.median(r[i] for r in rows)
h = lambda i: "%.3f ms" % m(i) if m(10) > 0 else "–"
print("| median | %.3f ms | %.3f ms | %s | %.3f ms | %.3f ms | %s |" % (m(2), m(7), h(11), m(3), m(8), h(12)))
PY
served
kill "$(cat "$work/echo.pid")"; wait "$(cat "$work/echo.pid")" 2> /dev/null || true
rm -f "$work/echo.pid"
echo "server: $(grep 'calls served' "$work/echo.err")" >&2
