package report

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/strain-dev/strain/metric"
)

// stepColumn is a column of the steps' table beyond the load's: one
// target's metric, its mean over each step.
type stepColumn struct {
	title, key string
}

// stepColumns are the watched targets' key metrics the steps have: CPU
// and scheduler latency (an event loop's lag), for at most two targets.
func (r *Report) stepColumns() []stepColumn {
	var cols []stepColumn
	n := 0
	for _, scope := range r.Runtimes() {
		if scope.Kind != metric.Target || n == 2 {
			continue
		}
		n++
		prefix := ""
		if scope.Name != "" {
			prefix = truncateName(clean(scope.Name), 8) + " "
		}
		for _, c := range []stepColumn{{"cpu", "cpu"}, {"sched p99", "sched_latency.p99"}} {
			key := scope.Of(c.key).String() + ".mean"
			if r.anyStep(key) {
				cols = append(cols, stepColumn{prefix + c.title, key})
			}
		}
	}
	return cols
}

func (r *Report) anyStep(key string) bool {
	for _, st := range r.Steps {
		if _, ok := st.Summary[key]; ok {
			return true
		}
	}
	return false
}

// capacityLine says what the search found, and how sure it is.
func (r *Report) capacityLine() string {
	s := r.Search
	c := metric.FormatPerSecond(*r.Capacity)
	switch s.Outcome {
	case OutcomeFound:
		return fmt.Sprintf("%s  (between %s and %s: within %s)", c, metric.FormatPerSecond(s.Range[0]),
			metric.FormatPerSecond(s.Range[1]), strconv.FormatFloat(100*s.Precision, 'g', 3, 64)+"%")
	case OutcomeCeiling:
		return fmt.Sprintf("at least %s  (every SLO held at the ceiling)", c)
	case OutcomeNone:
		return fmt.Sprintf("none  (no rate down to %s met the SLOs)", metric.FormatPerSecond(s.Range[1]))
	}
	return fmt.Sprintf("%s so far  (the search ended early: %s)", c, strings.ReplaceAll(s.Outcome, "_", " "))
}

// boundLine says what bound the capacity and by how much.
func (b *Bound) line() string {
	s := fmt.Sprintf("%s: %s at %s, %s", clean(b.SLO), clean(b.Shown), metric.FormatPerSecond(b.Rate), b.excessText())
	if b.AtCapacityShown != "" {
		s += fmt.Sprintf("; %s at the capacity", clean(b.AtCapacityShown))
	}
	return s
}

// writeCapacity is a capacity search's header: what was searched, what
// was found and what bound it, and each step.
func (r *Report) writeCapacity(t *textWriter) {
	status := ""
	if r.Interrupted {
		status = " (interrupted)"
	}
	t.printf("%s, for %s%s\n", r.loadLine(), metric.FormatSeconds(r.DurationSeconds), status)
	for _, target := range r.Load.Targets {
		t.printf("  %s\n", clean(target))
	}
	t.printf("  %-12s %s\n", "SLOs", clean(strings.Join(r.Search.SLOs, ", ")))
	t.printf("\n  %-12s %s\n", "capacity", r.capacityLine())
	if r.BoundBy != nil {
		t.printf("  %-12s %s\n", "bound by", r.BoundBy.line())
	}
	t.printf("\n")
	titles, rows := r.stepTable()
	widths := []int{11, 12, 9, 9, 8}
	t.printf(" ")
	for i, title := range titles {
		t.printf(" %*s", column(widths, i), clean(title))
	}
	t.printf("  SLOs\n")
	for _, row := range rows {
		t.printf(" ")
		for i, cell := range row[:len(row)-1] {
			t.printf(" %*s", column(widths, i), cell)
		}
		t.printf("  %s\n", row[len(row)-1])
	}
	t.printf("\n")
}

// column is the width of the text table's column i: the load's as given,
// 12 for each target's.
func column(widths []int, i int) int {
	if i < len(widths) {
		return widths[i]
	}
	return 12
}

// stepTable is the steps' table as every renderer shows it: the column
// titles, and for each step its figures (the load's, then the targets'
// columns), then its verdict.
func (r *Report) stepTable() (titles []string, rows [][]string) {
	cols := r.stepColumns()
	titles = []string{"rate", "throughput", "p50", "p99", "errors"}
	for _, c := range cols {
		titles = append(titles, c.title)
	}
	for _, st := range r.Steps {
		s := st.Summary
		row := []string{metric.FormatPerSecond(st.Rate), metric.FormatPerSecond(s["throughput"]),
			stepLatency(s, "latency.p50"), stepLatency(s, "latency.p99"), percent(s["error_rate"])}
		for _, c := range cols {
			row = append(row, stepValue(s, c.key))
		}
		rows = append(rows, append(row, stepVerdict(st)))
	}
	return titles, rows
}

func stepLatency(s map[string]float64, key string) string {
	if v, ok := s[key]; ok {
		return metric.FormatSeconds(v)
	}
	return "-"
}

func stepValue(s map[string]float64, key string) string {
	if v, ok := s[key]; ok {
		return metric.Format(key, v)
	}
	return "-"
}

// stepVerdict is "held", or the checks a step failed, or its note when it
// was not judged.
func stepVerdict(st Step) string {
	var failed []string
	for _, g := range st.SLOs {
		if !g.Pass {
			failed = append(failed, fmt.Sprintf("%s (%s)", clean(g.Expr), clean(g.Shown)))
		}
	}
	switch {
	case len(st.SLOs) == 0:
		return clean(st.Note)
	case len(failed) == 0:
		return "held"
	}
	return "FAILED " + strings.Join(failed, ", ")
}

// atCapacityHeading introduces the figures that follow a capacity
// search's header: the step at the capacity's.
func (r *Report) atCapacityHeading() string {
	for _, st := range r.Steps {
		if st.Pass && st.Rate == *r.Capacity {
			return fmt.Sprintf("at the capacity, %s, measured for %s:", metric.FormatPerSecond(st.Rate), metric.FormatSeconds(st.DurationSeconds))
		}
	}
	return ""
}

// writeCapacityText is the head of a capacity search's summary: the
// search, then why the service stopped keeping up at the bounding step,
// then the figures at the capacity.
func (r *Report) writeCapacityText(t *textWriter) {
	r.writeCapacity(t)
	if len(r.Findings) > 0 && r.BoundBy != nil {
		t.printf("why, at %s:\n", metric.FormatPerSecond(r.BoundBy.Rate))
		r.writeFindings(t)
	}
	if h := r.atCapacityHeading(); h != "" {
		t.printf("%s\n", h)
		r.writeCounts(t)
		r.writeLatency(t)
	}
}

// excessText says how far past its threshold the bound was: in percent,
// or as a multiple once it is twice the threshold or more.
func (b *Bound) excessText() string {
	switch {
	case b.Excess >= 1:
		return fmt.Sprintf("%.0f× the threshold", 1+b.Excess)
	case b.Value < b.Threshold:
		return fmt.Sprintf("%.0f%% short of it", 100*b.Excess)
	}
	return fmt.Sprintf("%.0f%% past it", 100*b.Excess)
}

// markdownCapacity is a capacity search's section of the Markdown
// summary: what was found, what bound it, and each step.
func (r *Report) markdownCapacity(t *textWriter) {
	if r.Capacity == nil {
		return
	}
	t.printf("**Capacity: %s**\n\n", mdText(r.capacityLine()))
	t.printf("SLOs: %s", mdCode(strings.Join(r.Search.SLOs, ", ")))
	if r.BoundBy != nil {
		t.printf(" · bound by %s", mdText(r.BoundBy.line()))
	}
	titles, rows := r.stepTable()
	t.printf("\n\n|")
	for _, title := range titles {
		t.printf(" %s |", mdCell(mdText(title)))
	}
	t.printf(" SLOs |\n|%s---|\n", strings.Repeat("---:|", len(titles)))
	for _, row := range rows {
		t.printf("|")
		for _, cell := range row {
			t.printf(" %s |", mdCell(mdText(cell)))
		}
		t.printf("\n")
	}
	t.printf("\n")
	if h := r.atCapacityHeading(); h != "" {
		t.printf("%s\n\n", mdText(h))
	}
}

// junitCapacity is a capacity search's case: what it found, with its
// steps as output. It passes: the SLOs are the search's instrument, and
// --gate 'capacity >= N' is what fails a build.
func (r *Report) junitCapacity() junitCase {
	var b strings.Builder
	tw := &textWriter{w: &b}
	r.writeCapacity(tw)
	return junitCase{Class: "strain.capacity", Name: "capacity: " + r.capacityLine(), Time: "0", Out: b.String()}
}
