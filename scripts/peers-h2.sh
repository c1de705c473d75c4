#!/usr/bin/env bash
# HTTP/2 throughput of strain's own HTTP/2 client against h2load, on
# loopback against one nginx worker, at the same connections × streams:
#   h2c, 1 connection × 50 streams    h2load -t1 -c1 -m50    strain --http2 -c 50 --connections 1
#   h2c, 10 connections × 5 streams   h2load -t1 -c10 -m5    strain --http2 -c 50 --connections 10
#   TLS, 10 connections × 5 streams   the same over https
# Rounds interleave the tools; prints each row's median req/s and the ratio.
#
# Usage, from anywhere in the project: scripts/peers-h2.sh [seconds=5] [rounds=3]
# Needs nginx, h2load and openssl (apt-get install -y nginx-light nghttp2-client openssl).
set -euo pipefail

secs=${1:-5} rounds=${2:-3}
[[ $secs =~ ^[1-9][0-9]*$ && $rounds =~ ^[1-9][0-9]*$ ]] || { echo "usage: $0 [seconds=5] [rounds=3]" >&2; exit 2; }
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

# h2load_rps URL CONNS STREAMS
h2load_rps() { h2load -t1 -c"$2" -m"$3" -D "$secs" "$1" 2> /dev/null | awk '/^finished in/ { gsub(",", "", $4); print $4 }'; }
# strain_rps URL CONNS STREAMS
strain_rps() {
  "$work/strain" run "$1" --http2 --insecure -c $(($2 * $3)) --connections "$2" -d "${secs}s" --no-tui --no-diagnose -o "$work/r.json" > /dev/null 2>&1 || true
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(round(r["summary"]["throughput"]), r["load"].get("path", "?"))' "$work/r.json"
}
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

printf '| %-38s | %10s | %14s | %5s |\n' "" "h2load" "strain --http2" "ratio"
printf '| %s | %s | %s | %s |\n' "---" "---:" "---:" "---:"
for row in "h2c, 1 connection × 50 streams|http://127.0.0.1:$h2c/|1|50" \
  "h2c, 10 connections × 5 streams|http://127.0.0.1:$h2c/|10|5" \
  "h2 over TLS, 10 connections × 5 streams|https://127.0.0.1:$tls/|10|5"; do
  IFS='|' read -r name url conns streams <<< "$row"
  : > "$work/h" && : > "$work/s"
  for _ in $(seq "$rounds"); do
    h2load_rps "$url" "$conns" "$streams" >> "$work/h"
    strain_rps "$url" "$conns" "$streams" > "$work/one"
    awk '{ print $1 }' "$work/one" >> "$work/s"
    path=$(awk '{ print $2 }' "$work/one")
  done
  h=$(median < "$work/h") s=$(median < "$work/s")
  printf '| %-38s | %10s | %14s | %5s |\n' "$name" "$h" "$s ($path)" "$(awk -v s="$s" -v h="$h" 'BEGIN { printf "%.2f", s / h }')"
done
