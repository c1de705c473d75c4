package report

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/strain-dev/strain/internal/safe"
	"github.com/strain-dev/strain/metric"
)

// maxShown bounds, in runes, any one string a report shows that may have
// come from outside strain: a warning quoting a target, a series' name, a
// capture's path.
const maxShown = 1000

// clean is s fit to print on a terminal or a page: one line, control
// characters escaped, at most maxShown runes. The sources clean what a
// target sends already; the renderers do not count on it.
func clean(s string) string { return safe.Line(s, maxShown) }

// WriteText renders the end-of-run summary a person reads on a terminal.
func (r *Report) WriteText(w io.Writer) error {
	tw := &textWriter{w: w}
	if r.Capacity != nil {
		r.writeCapacityText(tw)
	} else {
		r.writeHeader(tw)
		r.writeFindings(tw)
		if r.Load.Model != "none" {
			r.writeCounts(tw)
			r.writeLatency(tw)
		}
	}
	r.writeRuntimes(tw)
	r.writeAlerts(tw)
	r.writeGates(tw)
	r.writeProfiles(tw)
	for _, warn := range r.Warnings {
		tw.printf("warning: %s\n", clean(warn))
	}
	return tw.err
}

// textWriter keeps the first write error so renderers stay linear.
type textWriter struct {
	w   io.Writer
	err error
}

func (t *textWriter) printf(format string, args ...any) {
	if t.err == nil {
		_, t.err = fmt.Fprintf(t.w, format, args...)
	}
}

func (r *Report) writeHeader(t *textWriter) {
	load := fmt.Sprintf("closed model, %d concurrent", r.Load.Concurrency)
	switch r.Load.Model {
	case "none":
		load = "watched without load"
	case "open":
		load = fmt.Sprintf("open model, %s req/s, at most %d in flight", metric.FormatNumber(r.Load.Rate), r.Load.Concurrency)
	}
	if len(r.Load.Stages) > 0 {
		load += fmt.Sprintf(", %d stages", len(r.Load.Stages))
	}
	load += r.http2Note() + r.segmentNote()
	status := ""
	if r.Interrupted {
		status = " (interrupted)"
	}
	t.printf("%s for %s%s\n", load, metric.FormatSeconds(r.DurationSeconds), status)
	for _, target := range r.Load.Targets {
		t.printf("  %s\n", clean(target))
	}
	r.writeChanges(t)
	t.printf("\n")
}

// writeChanges lists the live changes to the load, if any.
func (r *Report) writeChanges(t *textWriter) {
	if len(r.Load.Changes) == 0 {
		return
	}
	var parts []string
	for _, c := range r.Load.Changes {
		switch {
		case c.Paused != nil && *c.Paused:
			parts = append(parts, fmt.Sprintf("%.1fs paused", c.T))
		case c.Paused != nil:
			parts = append(parts, fmt.Sprintf("%.1fs resumed", c.T))
		default:
			parts = append(parts, fmt.Sprintf("%.1fs → %s", c.T, metric.FormatNumber(c.Level)))
		}
	}
	t.printf("  changed      %s\n", strings.Join(parts, ", "))
}

func (r *Report) writeCounts(t *textWriter) {
	s := r.Summary
	t.printf("  %-12s %s   %s req/s\n", "requests", metric.FormatNumber(s["requests"]), metric.FormatNumber(s["throughput"]))
	if r.Capacity != nil { // the status codes and error kinds are every step's
		t.printf("  %-12s %s   %s\n", "errors", metric.FormatNumber(s["errors"]), percent(s["error_rate"]))
		t.printf("  %-12s %s%s\n", "all steps", counts(r.StatusCodes, " × "), kinds(r.ErrorsByKind))
	} else {
		t.printf("  %-12s %s   %s%s\n", "errors", metric.FormatNumber(s["errors"]), percent(s["error_rate"]), kinds(r.ErrorsByKind))
		if len(r.StatusCodes) > 0 {
			t.printf("  %-12s %s\n", "status", counts(r.StatusCodes, " × "))
		}
	}
	t.printf("  %-12s in %s, out %s\n", "bytes", metric.FormatBytes(s["bytes_in"]), metric.FormatBytes(s["bytes_out"]))
	if n, ok := s["messages"]; ok { // gRPC calls' response messages
		t.printf("  %-12s %.0f received\n", "messages", n)
	}
	if r.Load.Model == "open" {
		t.printf("  %-12s late %s, dropped %s\n", "schedule", metric.FormatNumber(s["late"]), metric.FormatNumber(s["dropped"]))
	}
	if s["unfinished"] > 0 {
		t.printf("  %-12s %s cut off in flight at the end\n", "unfinished", metric.FormatNumber(s["unfinished"]))
	}
}

var latencyColumns = []string{"p50", "p90", "p95", "p99", "p999", "max", "mean"}

func (r *Report) writeLatency(t *textWriter) {
	rows := [][2]string{{"latency", "latency"}}
	if r.Load.Model == "open" {
		rows = [][2]string{{"corrected", "latency"}, {"uncorrected", "latency_uncorrected"}}
	}
	if _, ok := r.Summary["latency.p50"]; !ok {
		t.printf("\n  no responses were timed\n\n")
		return
	}
	t.printf("\n  %-12s", "")
	for _, c := range latencyColumns {
		t.printf(" %9s", c)
	}
	t.printf("\n")
	for _, row := range rows {
		t.printf("  %-12s", row[0])
		for _, c := range latencyColumns {
			t.printf(" %9s", metric.FormatSeconds(r.Summary[row[1]+"."+c]))
		}
		t.printf("\n")
	}
	t.printf("\n")
}

// percent formats a 0–1 ratio.
// writeRuntimes shows each watched target's figures over the run (strain's
// own are in the report, and in a warning when they matter).
func (r *Report) writeRuntimes(t *textWriter) {
	for _, scope := range r.Runtimes() {
		if scope.Kind != metric.Target {
			continue
		}
		rows := r.statRows(scope)
		w := 9 // a column fits a figure; a range widens it
		for _, row := range rows {
			for _, v := range row.stats {
				w = max(w, utf8.RuneCountInString(v))
			}
		}
		t.printf("  %-20s %*s %*s %*s %*s\n", clean(r.scopeTitle(scope)), w, "min", w, "mean", w, "max", w, "last")
		for _, row := range rows {
			t.printf("  %-20s", truncateName(clean(row.name), 20))
			for _, v := range row.stats {
				t.printf(" %*s", w+len(v)-utf8.RuneCountInString(v), v)
			}
			t.printf("\n")
		}
		if len(rows) == 0 {
			t.printf("  no data\n")
		}
		t.printf("\n")
	}
}

// truncateName cuts a series name to n characters for a column.
func truncateName(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

func percent(rate float64) string { return metric.FormatUnit(metric.Ratio, rate) }

func kinds(m map[string]int64) string {
	if len(m) == 0 {
		return ""
	}
	return "   " + counts(m, " ")
}

// counts lists m's entries by descending count, then name.
func counts(m map[string]int64, sep string) string {
	keys := slices.Sorted(maps.Keys(m))
	slices.SortStableFunc(keys, func(a, b string) int { return int(m[b] - m[a]) })
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = clean(k) + sep + metric.FormatNumber(float64(m[k]))
	}
	return strings.Join(parts, ", ")
}

// writeAlerts lists the alerts that fired and resolved; a rule that was
// only ever pending is not an alert.
func (r *Report) writeAlerts(t *textWriter) {
	var fired []Alert
	for _, a := range r.Alerts {
		if a.State != "pending" {
			fired = append(fired, a)
		}
	}
	if len(fired) == 0 {
		return
	}
	t.printf("  alerts\n")
	for _, a := range fired {
		t.printf("  %7.1fs  %-8s %-8s %s  (%s)\n", a.T, strings.ToUpper(clean(a.State)), clean(a.Severity), clean(a.Rule), clean(a.Shown))
	}
	t.printf("\n")
}

func (r *Report) writeGates(t *textWriter) {
	if len(r.Gates) == 0 {
		return
	}
	t.printf("  gates\n")
	for _, g := range r.Gates {
		verdict := "PASS"
		if !g.Pass {
			verdict = "FAIL"
		}
		t.printf("  %s  %s  (%s)\n", verdict, clean(g.Expr), clean(g.Shown))
	}
	t.printf("\n")
}

func (r *Report) writeProfiles(t *textWriter) {
	if len(r.Profiles) == 0 {
		return
	}
	t.printf("  profiles\n")
	for _, p := range r.Profiles {
		t.printf("  %-9s %s  (%s)\n", clean(p.Kind), clean(p.Path), clean(p.Reason))
	}
	t.printf("\n")
}
