#!/usr/bin/env bash
# Capacity accuracy: how close `strain capacity` comes to the true capacity
# of services whose capacity is known by construction, how long it takes,
# and what the shell loop a user would write around vegeta answers for the
# same question in how long (scripts/capacity-vegeta.sh).
#
# Services (scripts/capacity), each on a free loopback port:
#   workers 20 × 10ms  2000 req/s under latency.p99 < 50ms
#   workers 13 × 10ms  1300 req/s under latency.p99 < 50ms
#   bucket 2000        2000 req/s under error_rate < 1% (429 past the rate)
#   bucket 700          700 req/s under error_rate < 1%
# (2000 lies on the search's path from 100 req/s; 1300 and 700 do not.)
#
# Usage, from anywhere in the project: scripts/capacity-accuracy.sh [rounds=1]
# Environment: PRECISION=5% (strain's --precision; vegeta's loop gets the
# same ratio), VEGETA=0 skips the vegeta loop.
# Prints a Markdown table: a row per service and round.
set -euo pipefail

rounds=${1:-1}
[[ $rounds =~ ^[1-9][0-9]*$ ]] || { echo "capacity-accuracy: rounds must be a positive integer, not '$rounds'" >&2; exit 2; }
precision=${PRECISION:-5%}
[[ $precision =~ ^([0-9]+)%$ ]] || { echo "capacity-accuracy: PRECISION looks like 5%, not '$precision'" >&2; exit 2; }
ratio=$(awk -v p="${BASH_REMATCH[1]}" 'BEGIN { print p / 100 }')
for tool in go jq awk; do
  command -v "$tool" > /dev/null 2>&1 || { echo "capacity-accuracy: $tool not found" >&2; exit 2; }
done

cd "$(dirname "$0")/.."
work=$(mktemp -d "${TMPDIR:-/tmp}/capacity-accuracy.XXXXXX")
spid=
stop_service() {
  [ -z "$spid" ] && return
  kill "$spid" 2> /dev/null || true
  wait "$spid" 2> /dev/null || true
  spid=
}
trap 'stop_service; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

echo "building strain and the services" >&2
go build -o "$work/strain" ./cmd/strain
go build -o "$work/svc" ./scripts/capacity

# start_service ARGS...: starts the service, sets addr.
start_service() {
  "$work/svc" --listen 127.0.0.1:0 "$@" > "$work/svc.out" 2>&1 &
  spid=$!
  addr=
  for _ in $(seq 100); do
    addr=$(awk '/^listening on /{print $3; exit}' "$work/svc.out")
    [ -n "$addr" ] && return
    sleep 0.1
  done
  echo "capacity-accuracy: the service did not start: $(head -1 "$work/svc.out")" >&2
  exit 1
}

echo "| service | truth | strain | error | time | steps | bound by | vegeta loop | error | time | steps |"
echo "|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|"
cases=(
  "workers 20 × 10ms|2000|latency.p99 < 50ms|50|--mode workers --workers 20 --service 10ms"
  "workers 13 × 10ms|1300|latency.p99 < 50ms|50|--mode workers --workers 13 --service 10ms"
  "bucket 2000|2000|error_rate < 1%|1000|--mode bucket --rate 2000"
  "bucket 700|700|error_rate < 1%|1000|--mode bucket --rate 700"
)
for round in $(seq "$rounds"); do
  for c in "${cases[@]}"; do
    IFS='|' read -r name truth slo vslo args <<< "$c"
    # shellcheck disable=SC2086 # args are words
    start_service $args
    began=$SECONDS
    "$work/strain" capacity "http://$addr/" --slo "$slo" --precision "$precision" --no-tui \
      --profiles "$work/profiles" -o "$work/r.json" > "$work/strain.out" 2> "$work/strain.err" || true
    took=$((SECONDS - began))
    stop_service
    read -r found steps bound < <(jq -r '"\(.capacity) \(.steps | length) \(.bound_by.metric // "-")"' "$work/r.json")
    err=$(awk -v a="$found" -v t="$truth" 'BEGIN { printf "%+.1f%%", 100 * (a - t) / t }')
    vrow="- | - | - | -"
    if [ "${VEGETA:-1}" != 0 ]; then
      # shellcheck disable=SC2086
      start_service $args
      scripts/capacity-vegeta.sh "http://$addr/" "$vslo" "$ratio" > "$work/vegeta.out" 2> "$work/vegeta.err" || true
      stop_service
      if read -r _ vans _ _ vsteps _ vwall _ < <(grep '^answer:' "$work/vegeta.out"); then
        verr=$(awk -v a="$vans" -v t="$truth" 'BEGIN { printf "%+.1f%%", 100 * (a - t) / t }')
        vrow="$vans | $verr | ${vwall} s | $vsteps"
      else
        vrow="failed: $(tail -1 "$work/vegeta.err") | - | - | -"
      fi
    fi
    echo "| $name, \`$slo\` | $truth | $found | $err | ${took} s | $steps | $bound | $vrow |"
  done
done
