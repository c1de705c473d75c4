#!/usr/bin/env bash
# Two builds of strain against each other: the working tree's and REV's
# (a commit), closed-loop against one nginx worker on loopback, over
# HTTP/1.1 (the wire path) and h2c (strain's own HTTP/2 client), in
# interleaved rounds (which build goes first alternates). The ratio
# new/old of throughput and of strain's own CPU per request (user +
# system, from /usr/bin/time) is taken round by round, with its median,
# a bootstrapped 95% interval and its range: a refactor that should leave
# the figures as they were shows an interval around 1.
#
# Usage, from the project root: scripts/bench-builds.sh REV [seconds=3] [rounds=11] [connections=50]
# PIN=0 leaves the scheduler to place every process; by default nginx's
# worker is pinned to CPU 0 and strain to CPU 1, as scripts/bench-pinned.sh.
# Needs nginx and /usr/bin/time (apt-get install -y nginx-light time), taskset, python3, git, 2 cores.
set -u
rev=${1:?usage: scripts/bench-builds.sh REV [seconds] [rounds] [connections]}
secs=${2:-3}; rounds=${3:-11}; conns=${4:-50}
pin=${PIN:-1}
. scripts/bench-lib.sh
need "nginx-light time" nginx taskset python3 git /usr/bin/time
need_cores 2
work=$(mktemp -d)
go build -o "$work/new" ./cmd/strain || { echo "the working tree does not build"; exit 2; }
git worktree add -q --detach "$work/old-src" "$rev" || { echo "no commit $rev"; exit 2; }
(cd "$work/old-src" && go build -o "$work/old" ./cmd/strain) || { echo "$rev does not build"; exit 2; }
git worktree remove --force "$work/old-src"
start_nginx_both "$work"
trap 'stop_nginx $work; rm -rf $work' EXIT
worker=$nginx_worker

# one BUILD PROTO prints the run's req/s, its path and strain's CPU per
# request in µs.
one() {
  local port=$h1 flags=()
  [ "$2" = h2 ] && port=$h2 flags=(--http2 --connections 1)
  strain_run_cost "$work/$1" "http://127.0.0.1:$port/" "${flags[@]}"
}

echo "# $rounds rounds of ${secs}s, $conns connections, pinned=$pin, $(nproc) cores, old $rev"
for r in $(seq "$rounds"); do
  for proto in h1 h2; do
    if [ $((r % 2)) = 1 ]; then
      o=$(one old $proto) n=$(one new $proto)
    else
      n=$(one new $proto) o=$(one old $proto)
    fi
    echo "round $r $proto old $o new $n"
  done
done | tee "$work/rounds"
PYTHONPATH=scripts python3 - "$work/rounds" << 'PY'
import random, statistics as st, sys
from stats import median_interval
rows = [l.split() for l in open(sys.argv[1]) if l.startswith("round")]
random.seed(1)
for proto in ("h1", "h2"):
    rs = [r for r in rows if r[2] == proto]
    paths = sorted({r[5] for r in rs} | {r[9] for r in rs})
    for what, col, digits in (("req/s", 4, 0), ("cpu µs/req", 6, 2)):
        old = [float(r[col]) for r in rs]
        new = [float(r[col + 4]) for r in rs]
        ratios = [a / b for a, b in zip(new, old) if b > 0]
        if not ratios:
            print("%s %s: no run answered" % (proto, what))
            continue
        m, lo, hi = median_interval(ratios)
        print("%s (path %s) %s: old median %.*f, new median %.*f; per-round ratio new/old: median %.3f (95%% interval %.3f-%.3f), range %.3f-%.3f"
              % (proto, "/".join(paths), what, digits, st.median(old), digits, st.median(new), m, lo, hi, min(ratios), max(ratios)))
PY
