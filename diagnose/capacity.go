package diagnose

import (
	"fmt"
	"math"
	"strings"

	"github.com/strain-dev/strain/metric"
	"github.com/strain-dev/strain/report"
)

// Bound says what explains a capacity search's bound, from the bounding
// step's measured part (in.Series) and the check it failed (b): a target
// whose CPU was at its limit while latency, or keeping up with the rate,
// bound the search was at its capacity, bound by CPU. It reads the CPU
// alone, which every source gives (a Prometheus endpoint's
// process_cpu_seconds_total), so that a target whose scheduler cannot be
// seen gets its finding too; a step diagnosed on its own short window,
// at one rate, has no earlier intervals to compare with, so the load-side
// saturation finding (throughput flat as more was asked) cannot show
// within it.
func Bound(in Input, b report.Bound) []report.Finding {
	if len(in.Series) == 0 || !(strings.HasPrefix(b.Metric, "latency") || b.Metric == "throughput") {
		return nil
	}
	t := newTimeline(in)
	var out []report.Finding
	for _, tg := range in.Targets {
		s := tg.Scope
		cpuName := s.Of("cpu").String()
		// The peak, as starvation reads it: a step that fails beyond doubt
		// ends after a second or less, and a CPU read as a rate between
		// scrapes lags the queue that builds within it.
		cores, known := t.cores(s)
		busy, limit := peak(t.col(cpuName), t.all()), 100*cores
		if !known || math.IsNaN(busy) || busy < busyShare*limit {
			continue // no share of an unknown limit is claimed
		}
		f := t.finding(report.Saturation, report.Warning, s, t.all())
		// The span is the measured part's: its first interval began one
		// interval before its first point, not at the search's start.
		f.Start = max(0, t.times[0]-t.interval())
		f.Summary = fmt.Sprintf("%s: at %s, %s failed %q while the service used up to %s of its %s CPU: it was at its capacity, bound by CPU.",
			t.name(s), metric.FormatPerSecond(b.Rate), b.Metric, b.SLO, metric.Format(cpuName, busy), metric.Format(cpuName, limit))
		f.Evidence = append(f.Evidence, evidence(cpuName, busy))
		if !math.IsNaN(b.Value) {
			f.Evidence = append(f.Evidence, evidence(b.Metric, b.Value))
		}
		f.Next = "A CPU profile at this rate (strain profile capture --cpu) says what each request costs: its top functions are what to make cheaper; or give the service more cores (GOMAXPROCS, its CPU limit)."
		out = append(out, f)
	}
	return out
}
