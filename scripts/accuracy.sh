#!/usr/bin/env bash
# Diagnosis accuracy against ground truth: for each fault of scripts/faults
# (one service with one known fault, and the function that causes it), each
# source set the service exposes (vitals, prom, prom+pprof, pprof, none) and
# each run, start the service on a loopback port, load "/" with strain
# watching it, and score the findings of strain's JSON report against
# scripts/faults/truth.json (scoring: scripts/accuracy/main.go).
#
# Usage, from anywhere in the project: scripts/accuracy.sh [-o FILE]
#   -o FILE   write the Markdown table there (default: stdout)
# Environment:
#   RUNS=3        runs per fault and source set
#   DUR=30s       load per run (strain's -d)
#   FAULTS="..."  faults to run (default: all eight)
#   SOURCES="..." source sets to run (default: all five)
#   COOLDOWN=     strain's --cooldown, when set (e.g. 5s)
#   PROCS=N       the service's GOMAXPROCS (default 0: the runtime's own).
#                 On a small machine, where strain's load takes cores the
#                 service would use, PROCS=1 puts the healthy service at its
#                 CPU limit; but at one core the lock fault (CPU work under a
#                 mutex) is no different from a saturated core.
#   KEEP=DIR      copy the reports, logs and profiles into DIR before cleanup
#
# The load is strain's closed model, -c 32, except for heapgrow at -r 300 (a
# few hundred requests/s, so that the heap grows over the run rather than
# reaching the fixture's cap). The lock stays closed: at -r 400 the ledger
# (500 requests/s at most) is 80% busy and strain's evenly paced requests
# barely queue for it, so the run has no lock fault to find; at -c 32 the
# requests queue on the mutex while the other cores idle.
# The whole matrix takes about RUNS × 40 × (DUR + 3 s): an hour at the
# defaults.
set -euo pipefail

out=-
while getopts o:h opt; do
  case $opt in
    o) out=$OPTARG ;;
    *) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || { echo "accuracy: unexpected argument '$1'" >&2; exit 2; }

runs=${RUNS:-3}; dur=${DUR:-30s}; cooldown=${COOLDOWN:-}
procs=${PROCS:-0}
[[ $procs =~ ^[0-9]+$ ]] || { echo "accuracy: PROCS must be a number of cores, not '$procs'" >&2; exit 2; }
faults=${FAULTS:-healthy lock cpuhog leak heapgrow gcchurn slowdep stall}
sources=${SOURCES:-vitals prom prom+pprof pprof none}
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "accuracy: RUNS must be a positive integer, not '$runs'" >&2; exit 2; }
if [[ $dur =~ ^([0-9]+)s$ ]]; then dur_s=${BASH_REMATCH[1]}
elif [[ $dur =~ ^([0-9]+)m$ ]]; then dur_s=$((BASH_REMATCH[1] * 60))
else echo "accuracy: DUR looks like 30s or 2m, not '$dur'" >&2; exit 2
fi
[ "$out" = - ] || out=$(realpath -m "$out")

cd "$(dirname "$0")/.."
work=$(mktemp -d "${TMPDIR:-/tmp}/accuracy.XXXXXX")
spid= lpid=

# stop PID: SIGTERM a process this script started, SIGKILL it after 10s.
stop() {
  kill "$1" 2> /dev/null || true
  for _ in $(seq 100); do kill -0 "$1" 2> /dev/null || break; sleep 0.1; done
  kill -9 "$1" 2> /dev/null || true
  wait "$1" 2> /dev/null || true
}
cleanup() {
  [ -z "$lpid" ] || stop "$lpid"
  [ -z "$spid" ] || stop "$spid"
  if [ -n "${KEEP:-}" ]; then mkdir -p "$KEEP" && cp -r "$work"/reports "$work"/logs "$work"/profiles "$KEEP"/ 2> /dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "accuracy: building strain and the fixtures" >&2
go build -o "$work/strain" ./cmd/strain
go build -o "$work/faults" ./scripts/faults
go build -o "$work/accuracy" ./scripts/accuracy
mkdir -p "$work/reports" "$work/logs" "$work/profiles"

# load FAULT: strain's load flags for FAULT.
load() {
  case $1 in
    heapgrow) echo "-r 300 -c 32" ;;
    *) echo "-c 32" ;;
  esac
}

for fault in $faults; do
  for src in $sources; do
    for run in $(seq "$runs"); do
      name="$fault/$src/$run"
      mkdir -p "$work/reports/$fault/$src" "$work/logs/$fault/$src"
      log="$work/logs/$name"
      # The service outlives the load: strain stops it by pid when done.
      "$work/faults" -fault "$fault" -sources "$src" -gomaxprocs "$procs" -addr 127.0.0.1:0 -d $((dur_s + 120))s > "$log.service" 2>&1 &
      spid=$!
      addr=
      for _ in $(seq 100); do
        addr=$(sed -n 's/^listening //p' "$log.service")
        [ -n "$addr" ] && break
        kill -0 "$spid" 2> /dev/null || break
        sleep 0.1
      done
      if [ -z "$addr" ]; then
        echo "accuracy: $name: the service did not start: $(head -c 300 "$log.service")" >&2
        stop "$spid"; spid=
        continue
      fi
      watch="http://$addr"
      [ "$src" = none ] && watch="pid:$spid"
      extra=()
      [ -z "$cooldown" ] || extra=(--cooldown "$cooldown")
      echo "accuracy: $name: strain run http://$addr/ $(load "$fault") -d $dur --watch $watch" >&2
      # shellcheck disable=SC2046 # load's flags are words
      timeout $((dur_s + 90)) "$work/strain" run "http://$addr/" $(load "$fault") -d "$dur" --no-tui \
        -o "$work/reports/$name.json" --watch "$watch" --profiles "$work/profiles/$name" "${extra[@]}" \
        > "$log.strain" 2>&1 &
      lpid=$!
      rc=0; wait "$lpid" || rc=$?
      lpid=
      [ "$rc" -eq 0 ] || echo "accuracy: $name: strain exited $rc: $(tail -n 3 "$log.strain")" >&2
      stop "$spid"; spid=
    done
  done
done

"$work/accuracy" -truth scripts/faults/truth.json -runs "$runs" -faults "$faults" -sources "$sources" -o "$out" "$work/reports"
