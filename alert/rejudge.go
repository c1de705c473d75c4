package alert

import (
	"slices"

	"github.com/strain-dev/strain/metric"

	"github.com/strain-dev/strain/report"
)

// Rejudge judges a saved report again on gates (strain report --gate):
// they replace the gates it was judged on, its regression checks against
// a baseline stay, and its verdict is theirs, a run that was aborted
// staying failed. No gates leave it as it was saved.
func Rejudge(rep *report.Report, gates []*Gate) {
	if len(gates) == 0 {
		return
	}
	aborted := !rep.Passed && !slices.ContainsFunc(rep.Gates, func(g report.Gate) bool { return !g.Pass })
	rep.Gates = slices.DeleteFunc(rep.Gates, func(g report.Gate) bool { return g.Kind != "regression" })
	rep.Passed = !aborted && !slices.ContainsFunc(rep.Gates, func(g report.Gate) bool { return !g.Pass })
	Judge(rep, gates)
}

// SavedCatalogue is the catalogue gates on a saved report are checked
// against: strain's names, the counts of findings, and every figure in
// the report's summary (a series picked from a Prometheus endpoint too).
func SavedCatalogue(rep *report.Report) *metric.Catalogue {
	c := metric.NewCatalogue()
	c.Add(metric.Count, report.FindingCounts()...)
	for name := range rep.Summary {
		c.Add(metric.UnitOf(name), metric.Canonical(name))
	}
	return c
}
