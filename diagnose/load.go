package diagnose

// The load's problems: what the client side shows, whichever target
// caused it.

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/strain-dev/strain/metric"
	"github.com/strain-dev/strain/report"
)

// stalls: nothing completes while requests wait.
func (t *timeline) stalls() []report.Finding {
	thr, inflight, oldest := t.col("throughput"), t.col("inflight"), t.col("oldest_inflight")
	ok := make([]bool, len(thr))
	for i := range ok {
		ok[i] = !(thr[i] > 0) && inflight[i] > 0 && oldest[i] >= secs(stalledFor)
	}
	var out []report.Finding
	for _, r := range runs(ok, 1) {
		f := t.finding(report.Stall, report.Critical, t.oneTarget(), r)
		f.Summary = fmt.Sprintf("No request completed for %s (%s to %s) while %s were in flight, the oldest for %s.",
			metric.FormatSeconds(f.End-f.Start), metric.FormatSeconds(f.Start), metric.FormatSeconds(f.End),
			metric.FormatNumber(peak(inflight, r)), metric.FormatSeconds(peak(oldest, r)))
		f.Evidence = append(f.Evidence, evidence("inflight", peak(inflight, r)), evidence("oldest_inflight", peak(oldest, r)))
		f.Next = "The goroutine dump shows where the handlers wait: a lock never released, a channel nobody sends on, a dependency that never answers."
		out = append(out, f)
	}
	t.stallSpans = out
	return out
}

// oneTarget is the watched target when there is one: the load's findings
// are about it.
func (t *timeline) oneTarget() metric.Scope {
	if len(t.in.Targets) == 1 {
		return t.in.Targets[0].Scope
	}
	return metric.Scope{Kind: metric.Load}
}

// saturation: more load was asked for, but throughput stayed flat while
// requests in flight and latency grew (Little's law): the service is at
// its capacity.
func (t *timeline) saturation() []report.Finding {
	thr, inflight, p50 := t.col("throughput"), t.col("inflight"), t.col("latency.p50")
	conc, rate := t.col("concurrency"), t.col("rate")
	bThr, bInf, bP50, bConc := t.baseline("throughput"), t.baseline("inflight"), t.baseline("latency.p50"), t.baseline("concurrency")
	ok := make([]bool, len(thr))
	for i := range ok {
		asked := conc[i] >= 1.5*bConc || rate[i] >= 1.1*thr[i]
		ok[i] = asked && thr[i] > 0 && thr[i] <= 1.2*bThr && inflight[i] >= max(2*bInf, 4) && p50[i] >= 2*bP50
	}
	var out []report.Finding
	for _, r := range runs(ok, 2) {
		f := t.finding(report.Saturation, report.Warning, t.oneTarget(), r)
		f.Summary = fmt.Sprintf("Throughput stayed near %s req/s while requests in flight rose from %s to %s and p50 from %s to %s, %s: the service was at its capacity (in flight = throughput × latency).",
			metric.FormatNumber(math.Round(mean(thr, r))), metric.FormatNumber(bInf), metric.FormatNumber(peak(inflight, r)),
			metric.FormatSeconds(bP50), metric.FormatSeconds(peak(p50, r)), t.when(f))
		f.Evidence = append(f.Evidence, evidence("throughput", mean(thr, r)), evidence("inflight", peak(inflight, r)), evidence("latency.p50", peak(p50, r)))
		f.Next = "The findings beside this one say what bounds it; `strain capacity` finds the highest rate that meets your SLOs."
		out = append(out, f)
	}
	return out
}

// errorBursts: intervals in which requests failed.
func (t *timeline) errorBursts() []report.Finding {
	rate, n := t.col("error_rate"), t.col("errors")
	ok := make([]bool, len(rate))
	for i := range ok {
		ok[i] = rate[i] >= errorShare && n[i] >= minErrors
	}
	var out []report.Finding
	for _, r := range runs(ok, 1) {
		if len(out) == maxBursts {
			break
		}
		top := peak(rate, r)
		total := 0.0
		for _, x := range n[r.from : r.to+1] {
			if !math.IsNaN(x) {
				total += x
			}
		}
		f := t.finding(report.Errors, severity(top >= severeErrors), t.oneTarget(), r)
		f.Summary = fmt.Sprintf("Up to %s of requests failed %s (%s failures)%s.",
			metric.FormatUnit(metric.Ratio, top), t.when(f), metric.FormatNumber(total), t.kinds())
		f.Evidence = append(f.Evidence, evidence("error_rate", top))
		f.Next = "errors_by_kind and status_codes say how they failed; a timeout or refused is the service or its limits, an http_5xx its own verdict."
		out = append(out, f)
	}
	return out
}

// kinds are the run's failures by kind, for a sentence.
func (t *timeline) kinds() string {
	if len(t.in.Errors) == 0 {
		return ""
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(t.in.Errors)) {
		parts = append(parts, fmt.Sprintf("%s %d", k, t.in.Errors[k]))
	}
	return "; over the run: " + strings.Join(parts, ", ")
}

// minSaturated is how many intervals of strain's own saturation make a
// finding: a service that takes both cores of a shared machine for a
// moment delays strain's scheduler for an interval or two.
const minSaturated = 3

// generator: strain itself was the limit.
func (t *timeline) generator() []report.Finding {
	if t.in.Saturated == nil {
		return nil
	}
	ok := make([]bool, len(t.in.Series))
	n := 0
	for i, p := range t.in.Series {
		ok[i] = t.in.Saturated(p.Metrics)
		if ok[i] {
			n++
		}
	}
	if n < minSaturated {
		return nil
	}
	first, last := slices.Index(ok, true), len(ok)-1-slices.Index(reversed(ok), true)
	f := t.finding(report.GeneratorSaturated, report.Warning, metric.SelfScope, run{first, last})
	cpu, sched := peak(t.col("self.cpu"), t.all()), peak(t.col("self.sched_latency.p99"), t.all())
	f.Summary = fmt.Sprintf("strain itself was saturated in %d of %d intervals (its CPU up to %s, its scheduler p99 up to %s): there its latency figures include its own delay, and the load it sent may be less than asked.",
		n, len(ok), metric.Format("self.cpu", orZero(cpu)), metric.Format("self.sched_latency.p99", orZero(sched)))
	f.Evidence = append(f.Evidence, evidence("self.cpu", orZero(cpu)), evidence("self.sched_latency.p99", orZero(sched)))
	f.Next = "Give strain more cores (--procs), lower the load, or run it on another machine than the service."
	return []report.Finding{f}
}

func reversed(b []bool) []bool {
	out := slices.Clone(b)
	slices.Reverse(out)
	return out
}
