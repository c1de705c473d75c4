#!/usr/bin/env bash
# Closed-loop throughput of strain, wrk and floorclient (scripts/floorclient:
# the least work a client can do per request) against one nginx worker on
# loopback, with the nginx worker pinned to CPU 0 and each client to CPU 1,
# so that no tool shares a core with the target and the scheduler's
# placement stops adding to the VM's own noise. Tools are interleaved round
# by round; the ratios to wrk are taken round by round, and the median's
# 95% interval is bootstrapped from them.
# Usage, from the project root: scripts/bench-pinned.sh [seconds=3] [rounds=15] [connections=50]
# PIN=0 leaves the scheduler to place every process, as peers.sh does.
# BASE=path/to/strain adds a fourth tool, "base", to compare a change with the build before it.
# Needs nginx and wrk (apt-get install -y nginx-light wrk), taskset, python3, 2 or more cores.
set -u
secs=${1:-3}; rounds=${2:-15}; conns=${3:-50}
port=${PORT:-18082}
pin=${PIN:-1}
. scripts/bench-lib.sh
need "nginx-light wrk" nginx wrk taskset python3
need_cores 2
work=$(mktemp -d)
go build -o "$work/strain" ./cmd/strain || { echo "strain does not build"; exit 2; }
go build -o "$work/floorclient" ./scripts/floorclient || { echo "floorclient does not build"; exit 2; }
trap 'stop_nginx $work; rm -rf $work' EXIT
start_nginx "$work" "$port"
worker=$nginx_worker
client=()
if [ "$pin" = 1 ]; then
  taskset -pc 0 "$worker" >/dev/null
  client=(taskset -c 1)
fi

# one TOOL prints "req/s p50-µs p99-µs" for one run (floorclient measures no latency: "- -").
one() {
  case $1 in
    wrk) "${client[@]}" wrk -t1 -c"$conns" -d"${secs}s" --latency "http://127.0.0.1:$port/" | wrk_summary;;
    floor) GOMAXPROCS=1 "${client[@]}" "$work/floorclient" -c "$conns" -d "${secs}s" "127.0.0.1:$port" | awk '{print $6, "-", "-"}';;
    strain|base)
      local bin=$work/strain
      [ "$1" = base ] && bin=$BASE
      rm -f "$work/r.json"
      "${client[@]}" "$bin" run "http://127.0.0.1:$port/" -c "$conns" -d "${secs}s" --no-tui -o "$work/r.json" >/dev/null 2>&1
      strain_summary "$work/r.json";;
  esac
}

echo "# $rounds rounds of ${secs}s, $conns connections, pinned=$pin, $(nproc) cores, nginx worker $worker"
for r in $(seq "$rounds"); do
  line="round $r wrk $(one wrk) floor $(one floor) strain $(one strain)"
  [ -n "${BASE:-}" ] && line="$line base $(one base)"
  echo "$line"
done | tee "$work/rounds"
PYTHONPATH=scripts python3 - "$work/rounds" <<'PY'
import random, statistics as st, sys
from stats import median_interval
rows = [l.split() for l in open(sys.argv[1]) if l.startswith("round")]
tools = [t for t in ("wrk", "floor", "strain", "base") if t in rows[0]]
runs = {t: [r[r.index(t) + 1:r.index(t) + 4] for r in rows] for t in tools}
rps = {t: [float(x[0]) for x in runs[t]] for t in tools}
random.seed(1)
for t in tools:
    ratios = [x / w for x, w in zip(rps[t], rps["wrk"]) if w > 0]
    m, lo, hi = median_interval(ratios)
    lat = ""
    if runs[t][0][1] != "-":
        lat = "   latency p50 %.0fµs p99 %.0fµs (medians)" % tuple(st.median(float(x[i]) for x in runs[t]) for i in (1, 2))
    print("%-7s median %7.0f req/s   per-round ratio to wrk: median %.3f (95%% interval %.3f-%.3f), range %.3f-%.3f%s"
          % (t, st.median(rps[t]), m, lo, hi, min(ratios), max(ratios), lat))
PY
