#!/usr/bin/env bash
# HTTP/2 throughput of strain's own HTTP/2 client against h2load, on
# loopback against one nginx worker, at the same connections × streams:
#   h2c, 1 connection × 50 streams    h2load -t1 -c1 -m50    strain --http2 -c 50 --connections 1
#   h2c, 10 connections × 5 streams   h2load -t1 -c10 -m5    strain --http2 -c 50 --connections 10
#   TLS, 10 connections × 5 streams   the same over https
# Rounds interleave the tools (h2load, then strain). Each row: the median
# req/s of each; the ratio strain / h2load taken round by round, as
# scripts/bench-pinned.sh does (the machine's own drift moves both tools of
# a round alike), its median with a bootstrapped 95% interval, and its
# range; nginx's median busy % under each (h2load / strain): near 100, the
# server is the bottleneck. Each round on standard error.
#
# Usage, from anywhere in the project: scripts/peers-h2.sh [seconds=5] [rounds=5]
# PIN=1 pins nginx's worker to CPU 0 and each client to CPU 1.
# Needs nginx, h2load and openssl (apt-get install -y nginx-light nghttp2-client openssl).
set -euo pipefail

secs=${1:-5} rounds=${2:-5}
[[ $secs =~ ^[1-9][0-9]*$ && $secs -ge 3 && $rounds =~ ^[1-9][0-9]*$ ]] || { echo "usage: $0 [seconds=5, at least 3] [rounds=5]" >&2; exit 2; }
for tool in nginx h2load openssl go python3; do
  command -v "$tool" > /dev/null 2>&1 || { echo "peers-h2: $tool not found (apt-get install -y nginx-light nghttp2-client openssl)" >&2; exit 2; }
done
cd "$(dirname "$0")/.."
work=$(mktemp -d "${TMPDIR:-/tmp}/peers-h2.XXXXXX")
trap '[ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2> /dev/null; rm -rf "$work"' EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
h2c=$(free_port) tls=$(free_port)
openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -days 1 -keyout "$work/key.pem" -out "$work/cert.pem" 2> /dev/null
cat > "$work/nginx.conf" << CONF
worker_processes 1;
pid $work/nginx.pid;
error_log $work/error.log;
events { worker_connections 8192; }
http {
  access_log off;
  keepalive_requests 10000000;
  server { listen 127.0.0.1:$h2c http2; location / { return 200 "hello\n"; } }
  server { listen 127.0.0.1:$tls ssl http2; ssl_certificate $work/cert.pem; ssl_certificate_key $work/key.pem;
    location / { return 200 "hello\n"; } }
}
CONF
go build -o "$work/strain" ./cmd/strain
nginx -c "$work/nginx.conf"
sleep 0.3

worker=$(pgrep -P "$(cat "$work/nginx.pid")" | head -1)
client=()
if [ "${PIN:-0}" = 1 ]; then # as scripts/bench-pinned.sh: nginx's worker on CPU 0, each client on CPU 1
  command -v taskset > /dev/null && [ "$(nproc)" -ge 2 ] || { echo "peers-h2: PIN=1 needs taskset and 2 cores" >&2; exit 2; }
  taskset -pc 0 "$worker" > /dev/null
  client=(taskset -c 1)
fi
# busy: nginx's worker's CPU in the middle of a run (from 1 s in, for
# secs-2 s), as a percentage of one core: near 100, the server is the
# bottleneck, whichever client drives it. Sets busy_pct once the run
# (PID $1) has ended.
busy() {
  local t0 t1
  sleep 1; t0=$(awk '{ print $14 + $15 }' "/proc/$worker/stat")
  sleep $((secs - 2)); t1=$(awk '{ print $14 + $15 }' "/proc/$worker/stat")
  wait "$1" || true
  busy_pct=$(((t1 - t0) * 100 / $(getconf CLK_TCK) / (secs - 2)))
}
# h2load_run URL CONNS STREAMS: req/s and nginx's busy %
h2load_run() {
  "${client[@]}" h2load -t1 -c"$2" -m"$3" -D "$secs" "$1" > "$work/h2load.out" 2> /dev/null &
  busy $!
  echo "$(awk '/^finished in/ { gsub(",", "", $4); print $4 }' "$work/h2load.out") $busy_pct"
}
# strain_run URL CONNS STREAMS: req/s, nginx's busy % and the path that ran
strain_run() {
  rm -f "$work/r.json"
  "${client[@]}" "$work/strain" run "$1" --http2 --insecure -c $(($2 * $3)) --connections "$2" -d "${secs}s" --no-tui --no-diagnose -o "$work/r.json" > /dev/null 2>&1 &
  busy $!
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(round(r["summary"]["throughput"]), sys.argv[2], r["load"].get("path", "?"))' "$work/r.json" "$busy_pct"
}

# summary NAME: the row from $work/rounds ("h2load strain h2load-busy strain-busy" a round).
summary() {
  PYTHONPATH=scripts python3 - "$1" "$work/rounds" << 'PY'
import random, statistics as st, sys
from stats import median_interval
name, rows = sys.argv[1], [[float(v) for v in l.split()] for l in open(sys.argv[2])]
h, s = [r[0] for r in rows], [r[1] for r in rows]
ratios = [b / a for a, b in zip(h, s) if a > 0]
random.seed(1)
m, lo, hi = median_interval(ratios)
print("| %s | %.1fk | %.1fk | **%.2f** (%.2f–%.2f) | %.2f–%.2f | %.0f%% / %.0f%% |" % (
    name, st.median(h) / 1000, st.median(s) / 1000, m, lo, hi,
    min(ratios), max(ratios), st.median(r[2] for r in rows), st.median(r[3] for r in rows)))
PY
}

echo "| $rounds rounds of ${secs} s, PIN=${PIN:-0} | h2load | strain | ratio, median of the rounds' (95% interval) | rounds' range | nginx busy |"
echo "| --- | ---: | ---: | ---: | ---: | ---: |"
for row in "h2c, 1 connection × 50 streams|http://127.0.0.1:$h2c/|1|50" \
  "h2c, 10 connections × 5 streams|http://127.0.0.1:$h2c/|10|5" \
  "h2 over TLS, 10 connections × 5 streams|https://127.0.0.1:$tls/|10|5"; do
  IFS='|' read -r name url conns streams <<< "$row"
  : > "$work/rounds"
  for _ in $(seq "$rounds"); do
    h2load_run "$url" "$conns" "$streams" > "$work/one" && read -r h hb < "$work/one"
    strain_run "$url" "$conns" "$streams" > "$work/one" && read -r s sb path < "$work/one"
    [ "$path" = h2 ] || { echo "peers-h2: strain ran on the $path path, not its own HTTP/2 client" >&2; exit 1; }
    echo "$h $s $hb $sb" >> "$work/rounds"
    echo "peers-h2: $name: h2load $h req/s (nginx $hb%), strain $s req/s (nginx $sb%)" >&2
  done
  summary "$name"
done
