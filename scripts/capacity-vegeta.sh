#!/usr/bin/env bash
# capacity-vegeta.sh URL SLO_P99_MS [precision=0.05] [start=100] [step_seconds=5]
#
# The highest request rate at which URL's p99 latency stays under SLO_P99_MS
# and at least 99% of requests succeed, found the way a user who has only
# vegeta would: double the rate from `start` until a step fails, then bisect
# between the last pass and the first fail until (hi-lo)/lo <= precision.
# Each step is one `vegeta attack` of step_seconds at a constant rate. This
# is the baseline `strain capacity` is compared with.
set -euo pipefail

usage() { echo "usage: $0 URL SLO_P99_MS [precision=0.05] [start=100] [step_seconds=5]" >&2; exit 2; }
[ $# -ge 2 ] && [ $# -le 5 ] || usage
url=$1 slo=$2 precision=${3:-0.05} rate=${4:-100} secs=${5:-5}
num='^[0-9]+([.][0-9]+)?$'
[[ $url =~ ^https?:// && $slo =~ $num && $precision =~ $num && $rate =~ ^[1-9][0-9]*$ && $secs =~ ^[1-9][0-9]*$ ]] || usage
awk -v s="$slo" -v p="$precision" 'BEGIN { exit !(s > 0 && p > 0) }' || usage
[ -x /usr/bin/jq ] || { echo "missing /usr/bin/jq (apt-get install -y jq)" >&2; exit 2; }

# vegeta: the one on PATH, or one installed into a cache directory.
bin=${XDG_CACHE_HOME:-$HOME/.cache}/strain-bench/bin
vegeta=$(command -v vegeta || echo "$bin/vegeta")
if [ ! -x "$vegeta" ]; then
  GOBIN=$bin go install github.com/tsenart/vegeta/v12@v12.13.0 ||
    { echo "could not install vegeta v12.13.0 with go install (refused by the module proxy?)" >&2; exit 2; }
fi

steps=0
# step R attacks at R req/s for secs seconds, prints the result, and
# succeeds when p99 < SLO and success >= 99%.
step() {
  local json p99 success
  json=$(echo "GET $url" | "$vegeta" attack -rate="$1" -duration="${secs}s" | "$vegeta" report -type=json) ||
    { echo "vegeta failed at $1 req/s" >&2; exit 1; }
  read -r p99 success < <(/usr/bin/jq -r '"\(.latencies["99th"]) \(.success)"' <<<"$json") || true
  [[ ${p99:-} =~ ^[0-9]+$ ]] || { echo "no p99 in vegeta's report at $1 req/s" >&2; exit 1; }
  steps=$((steps + 1))
  awk -v n="$steps" -v r="$1" -v p="$p99" -v s="$success" -v slo="$slo" 'BEGIN {
    pass = p / 1e6 < slo && s >= 0.99
    printf "step %2d  rate %6d req/s  p99 %9.2f ms  success %6.2f%%  %s\n", n, r, p / 1e6, s * 100, pass ? "pass" : "fail"
    exit !pass }'
}

# Double from start until a step fails (or halve until one passes), then bisect.
lo=0 hi=0
while [ "$lo" -eq 0 ] || [ "$hi" -eq 0 ]; do
  if step "$rate"; then lo=$rate rate=$((rate * 2)); else hi=$rate rate=$((rate / 2)); fi
  [ "$hi" -eq 0 ] || [ "$lo" -gt 0 ] || [ "$rate" -ge 1 ] || { echo "fails even at 1 req/s" >&2; exit 1; }
done
while [ $((hi - lo)) -gt 1 ] && awk -v lo="$lo" -v hi="$hi" -v p="$precision" 'BEGIN { exit !((hi - lo) / lo > p) }'; do
  mid=$(((lo + hi) / 2))
  if step "$mid"; then lo=$mid; else hi=$mid; fi
done
echo "answer: $lo req/s  steps: $steps  wall: $SECONDS s"
