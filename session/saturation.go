package session

import (
	"fmt"
	"runtime"
	"time"

	"github.com/strain-dev/strain/metric"
	"github.com/strain-dev/strain/report"
)

// Generator health: above these, strain's own delay shows in its figures.
const (
	saturatedSchedP99 = 10 * time.Millisecond
	saturatedCPUShare = 0.9 // of all the cores strain may use
)

// saturated says whether strain itself was saturated in an interval with
// metrics m: its own scheduler slow, or its CPU near what it may use.
func saturated(m map[string]float64) bool {
	return m["self.sched_latency.p99"] >= saturatedSchedP99.Seconds() || m["self.cpu"] >= cpuLimit()
}

// cpuLimit is the self.cpu (percent of one core) that counts as saturated.
func cpuLimit() float64 { return saturatedCPUShare * 100 * float64(runtime.GOMAXPROCS(0)) }

// saturation says when strain itself was saturated during the run, since
// its latency figures then include its own delay; "" when it never was.
// hint says how to give it more cores, when that would help.
func saturation(series []report.Point) (warn, hint string) {
	var n int
	var worstSched, worstCPU float64
	for _, p := range series {
		worstSched = max(worstSched, p.Metrics["self.sched_latency.p99"])
		worstCPU = max(worstCPU, p.Metrics["self.cpu"])
		if saturated(p.Metrics) {
			n++
		}
	}
	if n == 0 {
		return "", ""
	}
	warn = fmt.Sprintf("generator saturated in %d of %d intervals (self.sched_latency.p99 up to %s, self.cpu up to %s): latency figures include strain's own delay",
		n, len(series), metric.FormatSeconds(worstSched), metric.FormatUnit(metric.Percent, worstCPU))
	if used, all := runtime.GOMAXPROCS(0), runtime.NumCPU(); worstCPU >= cpuLimit() && used < all {
		hint = fmt.Sprintf("it used %d of %d cores (--procs %d gives it more)", used, all, all)
		warn += "; " + hint
	}
	return warn, hint
}

// sayOnce says strain's own saturation once: as diagnosis' finding when
// it made one (with the hint on cores added to what to do next), else as
// warn among the report's warnings.
func sayOnce(rep *report.Report, warn, hint string) {
	if warn == "" {
		return
	}
	for i := range rep.Findings {
		if f := &rep.Findings[i]; f.Kind == report.GeneratorSaturated {
			if hint != "" {
				f.Next += " Here " + hint + "."
			}
			return
		}
	}
	rep.Warnings = append(rep.Warnings, warn)
}
