#!/usr/bin/env bash
# How much of the latency a load generator reports is its own delay: wrk
# and strain each load scripts/truthserver, which measures every request's
# true round trip from the kernel's receive timestamp of the request to the
# return of the response's write, and their percentiles are set beside the
# server's for the same run. The server is pinned to CPU 0 and the client
# to CPU 1; tools are interleaved round by round, each with a fresh server.
# Usage, from the project root: scripts/bench-latency.sh [seconds=3] [rounds=9] [connections=50]
# BASE=path/to/strain adds a third tool, "base", to compare a change with the build before it.
# Needs wrk (apt-get install -y wrk), taskset, python3, 2 or more cores.
set -u
secs=${1:-3}; rounds=${2:-9}; conns=${3:-50}
port=${PORT:-18083}
. scripts/bench-lib.sh
need wrk wrk taskset python3
need_cores 2
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf $work' EXIT
go build -o "$work/strain" ./cmd/strain || { echo "strain does not build"; exit 2; }
go build -o "$work/truth" ./scripts/truthserver || { echo "truthserver does not build"; exit 2; }
url=http://127.0.0.1:$port/

# client TOOL runs one load and prints "req/s p50-µs p99-µs".
client() {
  case $1 in
    wrk) taskset -c 1 wrk -t1 -c"$conns" -d"${secs}s" --latency "$url" | wrk_summary;;
    strain|base)
      local bin=$work/strain
      [ "$1" = base ] && bin=$BASE
      rm -f "$work/r.json"
      taskset -c 1 "$bin" run "$url" -c "$conns" -d "${secs}s" --no-tui -o "$work/r.json" >/dev/null 2>&1
      strain_summary "$work/r.json";;
  esac
}

# one TOOL prints "TOOL req/s p50 p99 truth p50 p99" for one run against a fresh server.
one() {
  GOMAXPROCS=1 taskset -c 0 "$work/truth" -addr "127.0.0.1:$port" -d 10m >"$work/truth.out" &
  local pid=$!
  for _ in $(seq 50); do grep -q listening "$work/truth.out" 2>/dev/null && break; sleep 0.1; done
  local c; c=$(client "$1")
  kill -INT $pid; wait $pid
  echo "$1 $c truth $(awk '/^requests/{print $4, $8}' "$work/truth.out")"
}

tools="wrk strain"
[ -n "${BASE:-}" ] && tools="$tools base"
echo "# $rounds rounds of ${secs}s, $conns connections, truthserver on CPU 0, clients on CPU 1"
for r in $(seq "$rounds"); do
  for t in $tools; do echo "round $r $(one $t)"; done
done | tee "$work/rounds"
python3 - "$work/rounds" <<'PY'
import statistics as st, sys
rows = [l.split()[2:] for l in open(sys.argv[1]) if l.startswith("round")]
by = {}
for r in rows:
    by.setdefault(r[0], []).append([float(x) for x in (r[1], r[2], r[3], r[5], r[6])])
n = min(len(v) for v in by.values())
for t, v in by.items():
    ratio = st.median(x[0] / w[0] for x, w in zip(v[:n], by["wrk"][:n]) if w[0] > 0)
    print("%-6s median %7.0f req/s (per-round ratio to wrk %.3f)   p50 %4.0fµs vs truth %4.0fµs (+%3.0f)   p99 %4.0fµs vs truth %4.0fµs (+%3.0f)" % (
        t, st.median(x[0] for x in v), ratio,
        st.median(x[1] for x in v), st.median(x[3] for x in v), st.median(x[1] - x[3] for x in v),
        st.median(x[2] for x in v), st.median(x[4] for x in v), st.median(x[2] - x[4] for x in v)))
PY
