#!/usr/bin/env bash
# What the dashboard and monitoring cost the load: closed-loop throughput of
# `strain run` against one nginx worker on loopback, with --no-tui, with the
# dashboard in a real terminal (a 120x40 tmux pane), and with the dashboard
# plus a watched target (nginx's pid). Variants are interleaved round by round;
# each prints its median req/s and its ratio to --no-tui's median.
# Usage, from the project root: scripts/bench-dashboard.sh [seconds=5] [rounds=7] [connections=50]
# Needs nginx (apt-get install -y nginx-light) and tmux; python3 reads the reports.
set -u
secs=${1:-5}; rounds=${2:-7}; conns=${3:-50}
port=${PORT:-18081}
. scripts/bench-lib.sh
need "nginx-light tmux" nginx tmux python3
work=$(mktemp -d)
go build -o "$work/strain" ./cmd/strain || { echo "strain does not build"; exit 2; }
trap 'tmux kill-session -t strain-bench 2>/dev/null; stop_nginx $work; rm -rf $work' EXIT
start_nginx "$work" "$port"
worker=$nginx_worker
url=http://127.0.0.1:$port/

# one VARIANT prints the run's throughput from its JSON report.
one() {
  local args=("$url" -c "$conns" -d "${secs}s" -o "$work/r.json")
  rm -f "$work/r.json"
  case $1 in
    no-tui) "$work/strain" run "${args[@]}" --no-tui >/dev/null 2>&1;;
    tui) in_terminal "${args[@]}" --tui;;
    tui+watch) in_terminal "${args[@]}" --tui --watch "pid:$worker";;
  esac
  python3 -c 'import json,sys;print(json.load(open(sys.argv[1]))["summary"]["throughput"])' "$work/r.json" 2>/dev/null || echo 0
}

# in_terminal runs strain with ARGS in a detached 120x40 tmux pane and waits for it.
in_terminal() {
  tmux new-session -d -s strain-bench -x 120 -y 40 "$work/strain run $*; tmux wait-for -S strain-bench-done"
  tmux wait-for strain-bench-done
}

variants="no-tui tui tui+watch"
declare -A res
for r in $(seq "$rounds"); do
  for v in $variants; do res[$v]="${res[$v]:-} $(one "$v")"; done
done
med() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
base=$(echo ${res[no-tui]} | med)
echo "strain run -c $conns -d ${secs}s against nginx (1 worker), $rounds rounds interleaved, $(nproc) cores"
for v in $variants; do
  m=$(echo ${res[$v]} | med)
  printf '%-10s median %9.0f req/s  ratio-to-no-tui %.3f   runs:%s\n' "$v" "$m" "$(python3 -c "print($m/$base if $base else 0)")" "${res[$v]}"
done
