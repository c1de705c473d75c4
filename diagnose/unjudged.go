package diagnose

import (
	"fmt"
	"slices"
	"strings"

	"github.com/strain-dev/strain/metric"
	"github.com/strain-dev/strain/report"
)

// targetKinds are the kinds judged on a target's runtime.
var targetKinds = []report.Kind{report.Starvation, report.Blocking, report.Contention, report.Leak, report.MemoryGrowth, report.GCPressure}

// tooShort: too few intervals to judge.
func (t *timeline) tooShort() report.Finding {
	f := report.Finding{Kind: report.InsufficientData, Severity: report.Info, Evidence: []report.Evidence{}}
	if n := len(t.times); n > 0 {
		f.End = t.times[n-1]
	}
	f.Unjudged = slices.DeleteFunc(slices.Clone(report.Kinds), func(k report.Kind) bool { return k == report.InsufficientData })
	f.Summary = fmt.Sprintf("%d intervals: too few to judge (diagnosis needs %d).", len(t.times), minPoints)
	f.Next = "Run longer, or with a shorter --interval."
	return f
}

// noTarget: the target side cannot be judged without a runtime source.
func (t *timeline) noTarget() report.Finding {
	f := t.finding(report.InsufficientData, report.Info, metric.Scope{Kind: metric.Load}, t.all())
	f.Unjudged = targetKinds
	f.Summary = fmt.Sprintf("No runtime source was watched: only the load's problems were judged, not %s.", join(targetKinds))
	f.Next = "--watch URL (a Go service's /debug/strain or pprof, a Prometheus /metrics) lets strain judge starvation, blocking, leaks, memory, GC and locks."
	return f
}

// missing: what a target's source does not give, and so what could not be
// judged.
func (t *timeline) missing(s metric.Scope) []report.Finding {
	needs := []struct {
		kind    report.Kind
		metrics string
	}{
		{report.Starvation, "sched_latency.p99 cpu"}, {report.Blocking, "cpu"}, {report.Contention, "mutex_wait|mutex_waiters"},
		{report.Leak, "goroutines|tasks"}, {report.MemoryGrowth, "heap|rss|memory"}, {report.GCPressure, "gc_cpu|gc_pause.p99"},
	}
	var lack []report.Kind
	for _, n := range needs {
		if !t.hasAll(s, n.metrics) {
			lack = append(lack, n.kind)
		}
	}
	if len(lack) == 0 {
		return nil
	}
	f := t.finding(report.InsufficientData, report.Info, s, t.all())
	f.Unjudged = lack
	f.Summary = fmt.Sprintf("%s: its source gives too little to judge %s.", t.name(s), join(lack))
	var ways []string
	for _, k := range lack {
		if by := t.judgedBy(s, k); by != "" {
			ways = append(ways, fmt.Sprintf("serve %s to judge %s", by, k))
		}
	}
	f.Next = strings.Join(ways, "; ") + "; see the README's 'Watching a target'."
	return []report.Finding{f}
}

// hasAll reports whether target s has every metric of spec ("a b"), one
// of each alternative ("a|b").
func (t *timeline) hasAll(s metric.Scope, spec string) bool {
	for _, need := range strings.Fields(spec) {
		if !slices.ContainsFunc(strings.Split(need, "|"), func(m string) bool { return t.has(s.Of(m).String()) }) {
			return false
		}
	}
	return true
}
