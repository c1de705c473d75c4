# Shared by the bench-*.sh scripts; sourced, not run.

# need PACKAGES TOOL... exits 2, naming the Debian PACKAGES to install, when a TOOL is missing.
need() {
  local pkgs=$1; shift
  for t in "$@"; do
    command -v "$t" >/dev/null || { echo "missing $t (apt-get install -y $pkgs)"; exit 2; }
  done
}

# need_cores N exits 2 when the machine has fewer than N cores.
need_cores() { [ "$(nproc)" -ge "$1" ] || { echo "needs $1 cores or more"; exit 2; }; }

# start_nginx WORK PORT starts one nginx worker on 127.0.0.1:PORT answering
# "hello\n" (peers.sh's configuration), with its files in WORK, and sets
# nginx_worker to the worker's pid. The caller's EXIT trap should run stop_nginx.
start_nginx() { run_nginx "$1" "$2"; }

# run_nginx WORK LISTEN... starts one nginx worker answering "hello\n" on
# each LISTEN (an nginx listen argument on 127.0.0.1: "PORT", or "PORT
# http2"), with its files in WORK, and sets nginx_worker to the worker's pid.
run_nginx() {
  local work=$1 servers="" l; shift
  for l in "$@"; do
    servers+="  server { listen 127.0.0.1:$l; location / { return 200 \"hello\\n\"; } }"$'\n'
  done
  cat >"$work/nginx.conf" <<CONF
worker_processes 1;
pid $work/nginx.pid;
error_log $work/error.log;
events { worker_connections 8192; }
http { access_log off; keepalive_requests 10000000;
$servers}
CONF
  nginx -c "$work/nginx.conf" || { echo "nginx failed to start"; exit 2; }
  sleep 0.3
  nginx_worker=$(pgrep -P "$(cat "$work/nginx.pid")" | head -1)
}

# stop_nginx WORK stops the nginx that start_nginx WORK started.
stop_nginx() { kill "$(cat "$1/nginx.pid" 2>/dev/null)" 2>/dev/null; }

# wrk_summary reads wrk --latency's output and prints "req/s p50-µs p99-µs".
wrk_summary() {
  awk '
    function us(v) { if (v ~ /us$/) return v+0; if (v ~ /ms$/) return v*1000; if (v ~ /s$/) return v*1e6; return v }
    /Requests\/sec/ {r=$2} /^ +50%/ {p50=us($2)} /^ +99%/ {p99=us($2)} END {print r, p50, p99}'
}

# strain_summary REPORT prints "req/s p50-µs p99-µs" from a strain JSON report, or "0 - -".
strain_summary() {
  python3 -c 'import json,sys;s=json.load(open(sys.argv[1]))["summary"];print(s["throughput"], s["latency.p50"]*1e6, s["latency.p99"]*1e6)' "$1" 2>/dev/null || echo 0 - -
}

# start_nginx_both WORK starts one nginx worker answering "hello\n" on two
# free loopback ports: h1 (HTTP/1.1) and h2 (h2c), with its files in WORK;
# it sets h1, h2 and nginx_worker, and, unless PIN=0, pins the worker to
# CPU 0 and sets client to the command prefix that puts the client on
# CPU 1 (as scripts/bench-pinned.sh). The caller's EXIT trap should run
# stop_nginx WORK.
start_nginx_both() {
  local free='import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
  h1=$(python3 -c "$free") h2=$(python3 -c "$free")
  run_nginx "$1" "$h1" "$h2 http2"
  client=()
  if [ "${PIN:-1}" = 1 ]; then
    taskset -pc 0 "$nginx_worker" > /dev/null
    client=(taskset -c 1)
  fi
}

# strain_run_cost BINARY URL FLAGS... runs BINARY (a strain) against URL,
# closed loop at $conns connections for $secs seconds under ${client[@]},
# with its files in $work, and prints its req/s, its path ("wire", "h2") and
# its CPU per request in µs (user + system, from /usr/bin/time); "0 - 0"
# when it wrote no report.
strain_run_cost() {
  local bin=$1 url=$2; shift 2
  rm -f "$work/r.json"
  /usr/bin/time -f '%U %S' -o "$work/cpu" "${client[@]}" "$bin" run "$url" "$@" -c "$conns" -d "${secs}s" --no-tui --no-diagnose -o "$work/r.json" > /dev/null 2>&1
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); u,s=map(float,open(sys.argv[2]).read().split()[-2:]); n=r["summary"]["requests"]
print(round(r["summary"]["throughput"]), r["load"].get("path", "?"), round((u+s)/max(n,1)*1e6,2))' "$work/r.json" "$work/cpu" 2> /dev/null || echo "0 - 0"
}
