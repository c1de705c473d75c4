package compare

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/strain-dev/strain/internal/safe"
	"github.com/strain-dev/strain/metric"
	"github.com/strain-dev/strain/report"
)

// WriteText renders the comparison a person reads on a terminal: what
// each report is, a table of the figures old and new with their change
// and its test, a line per test saying what it found, and the new
// report's gates.
func (c *Comparison) WriteText(w io.Writer) error {
	tw := &errWriter{w: w}
	tw.printf("old  %s  %s\n", clean(c.OldName), describe(c.Old))
	tw.printf("new  %s  %s\n\n", clean(c.NewName), describe(c.New))
	tab := tabwriter.NewWriter(tw, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tab, "\told\tnew\tchange\t\n")
	for _, s := range c.Sections {
		fmt.Fprintf(tab, "%s\t\t\t\t\n", clean(s.Title))
		for _, r := range s.Rows {
			fmt.Fprintf(tab, "  %s\t%s\t%s\t%s\t%s\n", clean(r.Metric), r.Old.Shown(r.Metric), r.New.Shown(r.Metric), r.Change(), r.Test.Detail())
		}
	}
	if err := tab.Flush(); err != nil {
		return err
	}
	tw.printf("\n")
	for _, n := range c.Tests {
		tw.printf("%s\n", n.Sentence(c.NewName))
	}
	tw.printf("%s\n", footnote())
	if len(c.New.Gates) > 0 {
		tw.printf("\n")
		c.New.WriteGates(tw) // the new report's: its verdict is the exit code
	}
	for _, warn := range c.Warnings {
		tw.printf("warning: %s\n", clean(warn))
	}
	return tw.err
}

// describe is a report's load in a line: its model, how long, when.
func describe(r *report.Report) string {
	s := r.Describe()
	if r.Interrupted {
		s += " (interrupted)"
	}
	return s
}

// Shown is the figure in its metric's unit, its range where it was read
// from buckets, "–" when the report has none.
func (f Figure) Shown(name string) string {
	if !f.Has {
		return "–"
	}
	if !f.Bounds.Exact() {
		return metric.FormatRange(name, f.Bounds)
	}
	return metric.Format(name, f.Value)
}

// Change is the new figure against the old, in percent: "~" when a test
// judged it and found nothing beyond the noise; the range it may be when
// either figure was read from buckets; "" when either is missing.
func (r Row) Change() string {
	if !r.Old.Has || !r.New.Has {
		return ""
	}
	if r.Test.Run && !r.Test.Significant() {
		return "~"
	}
	o, n := r.Old.Bounds, r.New.Bounds
	if o.Exact() && n.Exact() {
		return ratio(r.Old.Value, r.New.Value)
	}
	lo, hi := ratio(o.Hi, n.Lo), ratio(o.Lo, n.Hi)
	if lo == hi {
		return lo
	}
	return lo + " to " + hi
}

// ratio is b against a in percent, as precise as three digits allow:
// whole from 10% up, one decimal below; "?" where a is zero (or no
// bound) and b is not.
func ratio(a, b float64) string {
	switch {
	case a == b:
		return "0%"
	case a == 0 || math.IsInf(a, 0) || math.IsInf(b, 0):
		return "?"
	}
	d := (b/a - 1) * 100
	if !finite(d) { // a figure near zero against one that is not
		return "?"
	}
	digits := 1
	if math.Abs(d) >= 10 {
		digits = 0
	}
	s := strconv.FormatFloat(d, 'f', digits, 64) + "%"
	if d > 0 {
		return "+" + s
	}
	return s
}

// Detail is the test's p-value and its samples, as benchstat prints them:
// "(p=0.003 n=20+20 intervals)"; "" when it did not run. A joint
// verdict's are those of the test that bound it.
func (t Test) Detail() string {
	if !t.Run {
		return ""
	}
	return fmt.Sprintf("(%s n=%s+%s %s)", t.PValue(), metric.FormatNumber(t.N1), metric.FormatNumber(t.N2), t.Over)
}

// PValue is "p=0.003", or "p<0.001" below what three decimals say.
func (t Test) PValue() string {
	if t.P < 0.001 {
		return "p<0.001"
	}
	return "p=" + strconv.FormatFloat(t.P, 'f', 3, 64)
}

// Sentence says what the test found on n.On, in the new report named
// newName: "latency: tends higher in b.json, beyond the noise (Mann-Whitney U
// over 5000 and 5000 requests, p<0.001; over 20 and 20 intervals,
// p=0.002; α=0.01)".
func (n Named) Sentence(newName string) string {
	t := n.Test
	if !t.Run {
		return fmt.Sprintf("%s: not tested, too few samples (%s and %s %s; %d needed on each side)",
			n.On, metric.FormatNumber(t.N1), metric.FormatNumber(t.N2), t.Over, MinSamples)
	}
	parts := t.Parts
	if len(parts) == 0 {
		parts = []Test{t}
	}
	var how []string
	for _, p := range parts {
		how = append(how, fmt.Sprintf("%s over %s and %s %s, %s", p.Name, metric.FormatNumber(p.N1), metric.FormatNumber(p.N2), p.Over, p.PValue()))
	}
	alpha := "α=" + strconv.FormatFloat(Alpha, 'f', -1, 64)
	if !t.Significant() {
		return fmt.Sprintf("%s: no change beyond the noise (%s; %s)", n.On, strings.Join(how, "; "), alpha)
	}
	dir := "lower"
	if t.Higher > 0 {
		dir = "higher"
	}
	return fmt.Sprintf("%s: tends %s in %s, beyond the noise (%s; %s)", n.On, dir, clean(newName), strings.Join(how, "; "), alpha)
}

// errWriter keeps the first write error so renderers stay linear.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

func (e *errWriter) printf(format string, args ...any) { fmt.Fprintf(e, format, args...) }

// footnote says how to read the table's change column.
func footnote() string {
	return "~: no change beyond the noise (p ≥ α = " + strconv.FormatFloat(Alpha, 'f', -1, 64) +
		"). A change without a p is untested: one reading each (a maximum, a count), or too few intervals."
}

// maxShown bounds, in runes, a name a comparison prints that came from a
// file: a target's, a report's.
const maxShown = 200

// clean is s fit to print: one line, control characters escaped, bounded.
func clean(s string) string { return safe.Line(s, maxShown) }
