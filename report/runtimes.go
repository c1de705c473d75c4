package report

import (
	"slices"
	"strings"

	"github.com/strain-dev/strain/metric"
)

// maxExtraSeries bounds the extra series a runtime shows in the Markdown
// and the HTML: a target may offer many, and a page should stay readable.
const maxExtraSeries = 8

// Runtimes lists the watched targets whose metrics are in the report, by
// name, then strain itself: every target that produced a metric, whatever
// it offers (a pid: source has no goroutines).
func (r *Report) Runtimes() []metric.Scope {
	maps := []map[string]float64{r.Summary}
	for _, p := range r.Series {
		maps = append(maps, p.Metrics)
	}
	return metric.Runtimes(maps...)
}

// extraSeries are the scope's series outside strain's own runtime names
// (those picked from a Prometheus endpoint), sorted, at most
// maxExtraSeries of them.
func (r *Report) extraSeries(s metric.Scope) []string {
	var names []string
	for name := range r.Summary {
		k := metric.Parse(name)
		base, ok := strings.CutSuffix(k.Name, ".max")
		if k.Scope != s || !ok {
			continue
		}
		if _, known := metric.RuntimeNames[base]; !known {
			names = append(names, base)
		}
	}
	slices.Sort(names)
	return names[:min(len(names), maxExtraSeries)]
}

// statRow is one runtime metric over the run: its name and its
// min, mean, max and last, each printed in its unit.
type statRow struct {
	name  string
	stats []string
}

// statRows are the scope's rows the summaries show: strain's runtime
// figures it has, then its extra series.
func (r *Report) statRows(scope metric.Scope) []statRow {
	var rows []statRow
	for _, name := range append(slices.Clone(runtimeRows), r.extraSeries(scope)...) {
		key := scope.Of(name).String()
		if _, ok := r.Summary[key+".max"]; !ok || name == "tasks" && r.hasGoroutines(scope) {
			continue // a Go runtime's tasks are its goroutines: one row
		}
		row := statRow{name: name}
		for _, stat := range metric.SeriesStats {
			row.stats = append(row.stats, r.Shown(key+"."+stat))
		}
		rows = append(rows, row)
	}
	return rows
}

// Shown is a summary figure in its unit: as the range it lies in where it
// is made of values read from buckets ("918µs–10.5ms").
func (r *Report) Shown(name string) string {
	return metric.FormatIn(name, r.Summary[name], r.SummaryBounds)
}

// hasGoroutines reports whether scope is a Go runtime's, with goroutines:
// its tasks are those, shown once.
func (r *Report) hasGoroutines(scope metric.Scope) bool {
	_, ok := r.Summary[scope.Of("goroutines").String()+".max"]
	return ok
}

// scopeTitle is a runtime's heading: its target's name (the scope's,
// "target", in a report that does not have it), and the runtime it runs
// where a source said ("api (python)").
func (r *Report) scopeTitle(s metric.Scope) string {
	name := s.String()
	if given := r.TargetNames[name]; given != "" && s.Kind == metric.Target {
		name = given
	}
	if rt := r.TargetRuntimes[s.String()]; rt != "" {
		return name + " (" + rt + ")"
	}
	return name
}
