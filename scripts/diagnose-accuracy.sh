#!/usr/bin/env bash
# Diagnosis accuracy: how often strain's automatic diagnosis names the right
# fault, and the function that causes it, for services whose fault is known.
#
# For each mode of scripts/pathology (one pathological service each) and each
# round, it starts the service on a free loopback port, loads it with strain
# watching its runtime, stops it, and scores the report's findings: a Markdown
# table per mode, then precision and recall over all runs.
#
# Usage, from anywhere in the project: scripts/diagnose-accuracy.sh [rounds=3]
# Environment:
#   DUR=25s       load per run (Ns or Nm)
#   CONC=20       requests in flight
#   COOLDOWN=5s   strain's --cooldown, when this strain has the flag
#   KEEP=DIR      copy the reports, logs and profiles into DIR before cleanup
#   WATCH_PID=1   watch the service's process too (--watch URL,pid:N): the
#                 service's CPU, which judging starvation and blocking needs
#                 when its runtime endpoint does not give it
#
# Scoring, per run (a run is one JSON report):
#   named    the expected kind is among the findings at warning or critical
#   culprit  a finding of that kind (warning+) names the expected function in
#            its summary, its culprit or an evidence "top" entry
#   other    each other kind found at warning or critical (for healthy: any)
# A true positive is a run that named its expected kind; a false positive is
# each other warning/critical kind in a run; a false negative is a faulty
# mode's run that did not name its kind. Info findings do not count.
set -euo pipefail

for tool in go python3 timeout; do
  command -v "$tool" > /dev/null 2>&1 || { echo "diagnose-accuracy: $tool not found" >&2; exit 2; }
done
rounds=${1:-3}
[[ $rounds =~ ^[1-9][0-9]*$ ]] || { echo "diagnose-accuracy: rounds must be a positive integer, not '$rounds'" >&2; exit 2; }
dur=${DUR:-25s}; conc=${CONC:-20}; cooldown=${COOLDOWN:-5s}

# seconds D: D (Ns or Nm) in seconds, or exit 2.
seconds() {
  if [[ $1 =~ ^([0-9]+)s$ ]]; then echo "${BASH_REMATCH[1]}"
  elif [[ $1 =~ ^([0-9]+)m$ ]]; then echo $((BASH_REMATCH[1] * 60))
  else echo "diagnose-accuracy: durations look like 25s or 2m, not '$1'" >&2; exit 2
  fi
}
dur_s=$(seconds "$dur"); cool_s=$(seconds "$cooldown")
[[ $conc =~ ^[1-9][0-9]*$ ]] || { echo "diagnose-accuracy: CONC must be a positive integer, not '$conc'" >&2; exit 2; }

modes=(healthy cpuhog leak contention gcchurn slowdep stall)

cd "$(dirname "$0")/.."
work=$(mktemp -d "${TMPDIR:-/tmp}/diagnose-accuracy.XXXXXX")
spid= lpid=
# stop PID: SIGTERM a process this script started, SIGKILL it after 10s.
stop() {
  kill "$1" 2> /dev/null || true
  for _ in $(seq 100); do kill -0 "$1" 2> /dev/null || break; sleep 0.1; done
  kill -9 "$1" 2> /dev/null || true
  wait "$1" 2> /dev/null || true
}
stop_service() {
  [ -z "$spid" ] || stop "$spid"
  spid=
}
cleanup() {
  # The load first (timeout passes the signal on to strain), then the service.
  [ -z "$lpid" ] || stop "$lpid"
  stop_service
  if [ -n "${KEEP:-}" ] && [ -d "$work" ]; then
    mkdir -p "$KEEP" && cp -r "$work"/*.json "$work"/*.log "$work"/profiles "$KEEP"/ 2> /dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "building strain and the pathology service" >&2
timeout 600 go build -o "$work/strain" ./cmd/strain
timeout 600 go build -o "$work/pathology" ./scripts/pathology

# The --cooldown flag is newer than --watch and -o: use it when present.
cool=()
"$work/strain" run --help > "$work/help" 2>&1 || true
if grep -q -- '--cooldown' "$work/help"; then
  cool=(--cooldown "$cooldown")
else
  cool_s=0
  echo "this strain has no --cooldown: runs go without one" >&2
fi

failed=0
for round in $(seq "$rounds"); do
  for mode in "${modes[@]}"; do
    run="$mode-$round"
    # The service bounds itself too, in case this script is killed outright.
    "$work/pathology" -mode "$mode" -addr 127.0.0.1:0 -d "$((dur_s + cool_s + 60))s" > "$work/$run.svc" 2>&1 &
    spid=$!
    addr=
    for _ in $(seq 100); do
      addr=$(awk '/^listening /{print $2; exit}' "$work/$run.svc")
      [ -n "$addr" ] && break
      kill -0 "$spid" 2> /dev/null || break
      sleep 0.1
    done
    if [ -z "$addr" ]; then
      echo "[$round/$rounds] $mode: the service did not start: $(head -1 "$work/$run.svc")" >&2
      stop_service; failed=$((failed + 1)); continue
    fi
    watch="http://$addr"
    [ "${WATCH_PID:-0}" = 1 ] && watch="$watch,pid:$spid"
    rc=0
    mkdir -p "$work/profiles/$run"
    timeout -k 5 "$((dur_s + cool_s + 60))" "$work/strain" run "http://$addr/" -c "$conc" -d "$dur" --no-tui \
      --watch "$watch" ${cool[@]+"${cool[@]}"} --profiles "$work/profiles/$run" \
      -o "$work/$run.json" > "$work/$run.log" 2>&1 < /dev/null &
    # In the background so that a signal to this script is handled at once.
    lpid=$!
    wait "$lpid" || rc=$?
    lpid=
    stop_service
    if [ ! -s "$work/$run.json" ]; then
      echo "[$round/$rounds] $mode: no report (strain exit $rc): $(tail -1 "$work/$run.log")" >&2
      failed=$((failed + 1)); continue
    fi
    echo "[$round/$rounds] $mode on $addr: strain exit $rc" >&2
  done
done

timeout 60 python3 - "$work" "$rounds" "${modes[@]}" <<'PY'
import json, os, sys
from collections import Counter

work, rounds, modes = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
expected = {  # mode: (kind, culprit function); healthy expects nothing
    "healthy": (None, None),
    "cpuhog": ("starvation", "burnCPU"),
    "leak": ("leak", "leakedTask"),
    "contention": ("contention", "holdGlobalLock"),
    "gcchurn": ("gc_pressure", "churnGarbage"),
    "slowdep": ("blocking", "callSlowDependency"),
    "stall": ("stall", "waitForGate"),
}
SERIOUS = ("warning", "critical")

def names(f, fn):
    if fn in str(f.get("summary", "")) or fn in str(f.get("culprit", "")):
        return True
    for ev in f.get("evidence") or []:
        if any(fn in str(t) for t in ev.get("top") or []):
            return True
    return False

rows, tp, fp, fn_, missing = [], 0, 0, 0, []
for mode in modes:
    kind, culprit = expected[mode]
    runs = named = blamed = 0
    others = Counter()
    for r in range(1, rounds + 1):
        path = os.path.join(work, f"{mode}-{r}.json")
        try:
            with open(path) as fh:
                report = json.load(fh)
        except (OSError, ValueError) as e:
            missing.append(f"{mode}-{r}")
            continue
        runs += 1
        findings = [f for f in report.get("findings") or [] if f.get("severity") in SERIOUS]
        hits = [f for f in findings if kind is not None and f.get("kind") == kind]
        if hits:
            named += 1
            tp += 1
            if any(names(f, culprit) for f in hits):
                blamed += 1
        elif kind is not None:
            fn_ += 1
        wrong = sorted({f.get("kind", "?") for f in findings} - {kind})
        fp += len(wrong)
        others.update(wrong)
    other = ", ".join(f"{k} ×{n}" for k, n in sorted(others.items())) or "—"
    if kind is None:
        rows.append((mode, "(none)", str(runs), "—", "—", other))
    else:
        rows.append((mode, kind, str(runs), f"{named}/{runs}", f"{blamed}/{runs} ({culprit})", other))

head = ("mode", "expected kind", "runs", "named", "culprit in evidence", "other warning/critical kinds")
print("| " + " | ".join(head) + " |")
print("|" + "|".join("---" for _ in head) + "|")
for row in rows:
    print("| " + " | ".join(row) + " |")
print()

def ratio(n, d):
    return f"{n}/{d} = {n / d:.2f}" if d else f"{n}/{d} = n/a"
print(f"precision: {ratio(tp, tp + fp)} (true positives over all warning/critical kinds found)")
print(f"recall:    {ratio(tp, tp + fn_)} (faulty runs whose fault was named)")
if missing:
    print(f"\nno report from {len(missing)} run(s), left out above: {', '.join(missing)}")
PY

[ "$failed" -eq 0 ] || { echo "diagnose-accuracy: $failed run(s) gave no report" >&2; exit 1; }
