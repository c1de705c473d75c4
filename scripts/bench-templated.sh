#!/usr/bin/env bash
# The cost of a templated request: strain's closed-loop throughput with
# {{seq}} in the path against the same run with a fixed path, on loopback
# against one nginx worker, over HTTP/1.1 (the wire path) and h2c (strain's
# own HTTP/2 client). Rounds interleave fixed and templated; the ratio
# templated / fixed is taken round by round (the machine's drift moves both
# runs of a round alike; which goes first alternates), with its median, a bootstrapped 95% interval and
# its range. Beside it, strain's own CPU per request (user + system, from
# /usr/bin/time) and its ratio the same way: the client's cost, which the
# machine's load moves less than the throughput. Each round on standard
# output.
#
# Usage, from the project root: scripts/bench-templated.sh [seconds=3] [rounds=11] [connections=50]
# PIN=0 leaves the scheduler to place every process; by default nginx's
# worker is pinned to CPU 0 and strain to CPU 1, as scripts/bench-pinned.sh.
# Needs nginx and /usr/bin/time (apt-get install -y nginx-light time), taskset, python3, 2 cores.
set -u
secs=${1:-3}; rounds=${2:-11}; conns=${3:-50}
pin=${PIN:-1}
. scripts/bench-lib.sh
need "nginx-light time" nginx taskset python3 /usr/bin/time
need_cores 2
work=$(mktemp -d)
go build -o "$work/strain" ./cmd/strain || { echo "strain does not build"; exit 2; }
start_nginx_both "$work"
trap 'stop_nginx $work; rm -rf $work' EXIT
worker=$nginx_worker

# one PROTO PATH prints the run's req/s, its path ("wire" or "h2") and
# strain's CPU per request in µs.
one() {
  local port=$h1 flags=()
  [ "$1" = h2 ] && port=$h2 flags=(--http2 --connections 1)
  strain_run_cost "$work/strain" "http://127.0.0.1:$port$2" "${flags[@]}"
}

echo "# $rounds rounds of ${secs}s, $conns connections, pinned=$pin, $(nproc) cores, nginx worker $worker"
for r in $(seq "$rounds"); do
  for proto in h1 h2; do
    # Which runs first alternates round by round: a run's place in the round
    # (after which other run, on a machine that drifts) is no bias then.
    if [ $((r % 2)) = 1 ]; then
      f=$(one $proto /items/1) t=$(one $proto '/items/{{seq}}')
    else
      t=$(one $proto '/items/{{seq}}') f=$(one $proto /items/1)
    fi
    echo "round $r $proto fixed $f templated $t"
  done
done | tee "$work/rounds"
PYTHONPATH=scripts python3 - "$work/rounds" << 'PY'
import random, statistics as st, sys
from stats import median_interval
rows = [l.split() for l in open(sys.argv[1]) if l.startswith("round")]
random.seed(1)
for proto in ("h1", "h2"):
    rs = [r for r in rows if r[2] == proto]
    fixed = [float(r[4]) for r in rs]
    tmpl = [float(r[8]) for r in rs]
    paths = sorted({r[5] for r in rs} | {r[9] for r in rs})
    for what, f, t in (("req/s", fixed, tmpl), ("cpu µs/req", [float(r[6]) for r in rs], [float(r[10]) for r in rs])):
        ratios = [a / b for a, b in zip(t, f) if b > 0]
        m, lo, hi = median_interval(ratios)
        digits = 0 if what == "req/s" else 2
        print("%s (path %s) %s: fixed median %.*f, templated median %.*f; per-round ratio templated/fixed: median %.3f (95%% interval %.3f-%.3f), range %.3f-%.3f"
              % (proto, "/".join(paths), what, digits, st.median(f), digits, st.median(t), m, lo, hi, min(ratios), max(ratios)))
PY
