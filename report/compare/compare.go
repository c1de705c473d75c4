// Package compare sets two runs' reports side by side, as benchstat does
// for benchmarks: each summary figure old and new, its change, and, for
// the figures a test can judge, whether the change is beyond the noise.
// The latency and the error rate are judged over the requests (the saved
// histograms: every request's latency to three digits) and over the runs'
// intervals (the series' per-second readings, which hold the drift
// between runs a test over requests takes for a change); a series' mean
// over its intervals.
package compare

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/strain-dev/strain/loadgen"
	"github.com/strain-dev/strain/metric"
	"github.com/strain-dev/strain/report"
)

// Comparison is two reports set side by side: Old's figures against
// New's, in sections.
type Comparison struct {
	Old, New         *report.Report
	OldName, NewName string // what the reports are called: their files
	Sections         []Section
	// Tests are the tests the rows share, by what they were run on
	// ("latency"), in order.
	Tests    []Named
	Warnings []string
	short    bool // warned that a run is too short for tests over intervals
	search   bool // a capacity search's: nothing is tested
	mixed    bool // the runs' intervals differ: none is tested over them
}

// name lists t as the test of what it was run on, unless nothing is
// tested.
func (c *Comparison) name(on string, t Test) {
	if !c.search {
		c.Tests = append(c.Tests, Named{On: on, Test: t})
	}
}

// Named is a test and what it was run on.
type Named struct {
	On   string
	Test Test
}

// Section is a group of rows: the load's, the latency's, a runtime's.
type Section struct {
	Title string
	Rows  []Row
}

// Row is one summary figure in both reports.
type Row struct {
	Metric   string
	Old, New Figure
	// Test judges the change; its Run is false for a figure no test can
	// judge (a maximum, a count: one reading each).
	Test Test
}

// Figure is a summary figure of one report, with the range it lies in
// when it was read from buckets.
type Figure struct {
	Value  float64
	Bounds metric.Bounds
	Has    bool // false when the report has no such figure
}

// Of compares old with new, named as given (their files' names). Figures
// either report lacks are still listed, as "–"; a section neither has is
// left out.
func Of(old, new *report.Report, oldName, newName string) *Comparison {
	c := &Comparison{Old: old, New: new, OldName: oldName, NewName: newName}
	if old.Capacity != nil || new.Capacity != nil {
		// A search's figures are its step's at the capacity, its series
		// every step's at their own rates: nothing to test them on.
		c.search = true
		c.Warnings = append(c.Warnings, "a capacity search's figures are those of its step at the capacity: their changes are not tested")
		c.Sections = append(c.Sections, Section{Title: "capacity", Rows: []Row{c.row("capacity", Test{})}})
	}
	if a, b := intervalOf(old), intervalOf(new); a > 0 && b > 0 && math.Max(a, b) > 1.5*math.Min(a, b) {
		// A p99 over 100 ms is not one over 1 s: their readings differ
		// whatever the service did.
		c.mixed = true
		c.Warnings = append(c.Warnings, fmt.Sprintf("the runs' intervals differ (%s and %s): figures are tested over requests alone",
			metric.FormatSeconds(a), metric.FormatSeconds(b)))
	}
	errTest := c.joint(ProportionTest(old.Summary["errors"], old.Summary["requests"], new.Summary["errors"], new.Summary["requests"]),
		c.seriesTest("error_rate"))
	thr := c.seriesTest("throughput")
	c.name("throughput", thr)
	c.name("error_rate", errTest)
	c.Sections = append(c.Sections, Section{Title: "load", Rows: []Row{
		c.row("requests", Test{}),
		c.row("throughput", thr),
		c.row("error_rate", errTest),
	}})
	c.latency("latency", func(h *report.Histograms) string { return h.Latency })
	if old.Load.Model == "open" || new.Load.Model == "open" {
		c.latency("latency_uncorrected", func(h *report.Histograms) string { return h.LatencyUncorrected })
	}
	for _, scope := range targets(old, new) {
		c.runtime(scope)
	}
	for i := range c.Sections {
		c.Sections[i].Rows = slices.DeleteFunc(c.Sections[i].Rows, func(r Row) bool { return !r.Old.Has && !r.New.Has })
	}
	c.Sections = slices.DeleteFunc(c.Sections, func(s Section) bool { return len(s.Rows) == 0 })
	return c
}

func (c *Comparison) row(name string, t Test) Row {
	return Row{Metric: name, Old: figure(c.Old, name), New: figure(c.New, name), Test: t}
}

func figure(r *report.Report, name string) Figure {
	v, ok := r.Summary[name]
	if !ok || !finite(v) {
		return Figure{}
	}
	b, bounded := r.SummaryBounds[name]
	if !bounded {
		b = metric.Exact(v)
	}
	return Figure{Value: v, Bounds: b, Has: true}
}

// latency adds the section of a latency's percentiles (Mood's test) and
// mean (Welch's), each tested over both reports' histograms (every
// request) and over the runs' intervals (joint), and names the test of
// its distribution (U); its maximum, one request's, is not tested.
func (c *Comparison) latency(prefix string, pick func(*report.Histograms) string) {
	a, errA := samples(c.Old, pick)
	b, errB := samples(c.New, pick)
	tested := !c.search
	for name, err := range map[string]error{c.OldName: errA, c.NewName: errB} {
		if err != nil && tested {
			c.Warnings = append(c.Warnings, fmt.Sprintf("%s tested over intervals alone: %s: %v", prefix, name, err))
			tested = false
		}
	}
	s := Section{Title: prefix}
	for _, q := range quantiles {
		var t Test
		if tested {
			t = QuantileTest(a, b, q.q)
		}
		s.Rows = append(s.Rows, c.row(prefix+"."+q.name, c.joint(t, c.seriesTest(prefix+"."+q.name))))
	}
	var u, m Test
	if tested {
		u, m = UTest(a, b), MeanTest(a, b)
		u.Over = "requests"
	}
	// The distribution (U, over requests and the intervals' medians) is
	// what the sentence says; the mean's row is the mean's own test.
	c.name(prefix, c.joint(u, c.seriesTest(prefix+".p50")))
	s.Rows = append(s.Rows, c.row(prefix+".mean", c.joint(m, c.seriesTest(prefix+".mean"))), c.row(prefix+".max", Test{}))
	c.Sections = append(c.Sections, s)
}

// joint judges a change over the requests and over the runs' intervals
// (their per-second readings): beyond the noise only when both tests say
// so, its p-value the larger of theirs (an intersection-union test, of
// level α). A test over requests alone takes what drifts between runs (a
// busier machine, a warmer cache) for a change: two runs of one service
// differ at p<0.001 by a few percent. The spread of a run's intervals
// holds that drift, or much of it. Runs too short for the test over
// intervals are judged over requests alone, with a warning.
func (c *Comparison) joint(requests, intervals Test) Test {
	switch {
	case c.search:
		return Test{}
	case !requests.Run:
		return intervals
	case !intervals.Run:
		if !c.short && !c.mixed {
			c.short = true
			c.Warnings = append(c.Warnings, fmt.Sprintf("a run has fewer than %d intervals with a reading: the latency and the error rate are tested over requests alone, which takes drift between runs for a change", MinSamples))
		}
		return requests
	}
	t := requests
	if intervals.P > t.P {
		t = intervals
	}
	t.Higher = requests.Higher
	t.Parts = []Test{requests, intervals}
	return t
}

// quantiles are the latency's percentiles compared, each tested on its
// own (QuantileTest).
var quantiles = []struct {
	name string
	q    float64
}{{"p50", 0.5}, {"p90", 0.9}, {"p95", 0.95}, {"p99", 0.99}, {"p999", 0.999}}

// samples are r's saved latencies, from the histogram pick chooses: a
// run's or merged report's own, or a segment's.
func samples(r *report.Report, pick func(*report.Histograms) string) ([]Sample, error) {
	h := r.Histograms
	if h == nil && r.Segment != nil {
		h = &r.Segment.Histograms
	}
	if h == nil {
		return nil, fmt.Errorf("no latency histograms in the report (a capacity search's, or one written before strain kept them)")
	}
	decoded, err := loadgen.DecodeHistogram(pick(h))
	if err != nil {
		return nil, err
	}
	return histogramSamples(decoded), nil
}

// seriesTest tests the per-interval readings of the series name.
func (c *Comparison) seriesTest(name string) Test {
	if c.search || c.mixed {
		return Test{}
	}
	t := UTest(readings(c.Old, name), readings(c.New, name))
	t.Over = "intervals"
	return t
}

// intervalOf is the length of r's intervals: the median step between its
// points (a busy machine's ticks jitter); 0 with fewer than two.
func intervalOf(r *report.Report) float64 {
	var steps []float64
	for i := 1; i < len(r.Series); i++ {
		steps = append(steps, r.Series[i].T-r.Series[i-1].T)
	}
	if len(steps) == 0 {
		return 0
	}
	slices.Sort(steps)
	return steps[len(steps)/2]
}

func readings(r *report.Report, name string) []Sample {
	var out []Sample
	for _, p := range r.Series {
		if v, ok := p.Metrics[name]; ok {
			out = append(out, Sample{Value: v, Count: 1})
		}
	}
	return out
}

// runtime adds a runtime's section: each series' mean, tested over its
// readings, and its maximum, not tested.
func (c *Comparison) runtime(scope metric.Scope) {
	s := Section{Title: title(c.New, scope)}
	for _, base := range seriesOf(scope, c.Old, c.New) {
		s.Rows = append(s.Rows, c.row(base+".mean", c.seriesTest(base)), c.row(base+".max", Test{}))
	}
	c.Sections = append(c.Sections, s)
}

// targets are the watched targets either report has, by name; strain's
// own runtime is left out: it is the generator's, not the service's.
func targets(a, b *report.Report) []metric.Scope {
	var all []metric.Scope
	for _, s := range append(a.Runtimes(), b.Runtimes()...) {
		if s.Kind == metric.Target && !slices.Contains(all, s) {
			all = append(all, s)
		}
	}
	slices.SortFunc(all, func(x, y metric.Scope) int { return strings.Compare(x.String(), y.String()) })
	return all
}

// runtimeFigures are the runtime figures compared, in this order, when a
// report has them: a runtime's series are many, and these say how it
// fared.
var runtimeFigures = []string{"goroutines", "tasks", "sched_latency.p50", "sched_latency.p99", "cpu", "rss", "heap",
	"memory", "gc_pause.p99", "gc_cpu", "alloc_rate", "mutex_wait", "threads", "fds", "restarts"}

// maxExtra bounds the series picked from a Prometheus endpoint compared
// for one runtime: a target may offer many.
const maxExtra = 8

// seriesOf are the time series of scope that either report summarises
// (NAME.mean in its summary): strain's runtimeFigures, then at most
// maxExtra series picked from a Prometheus endpoint, by name.
func seriesOf(scope metric.Scope, reps ...*report.Report) []string {
	var known, extra []string
	for _, r := range reps {
		for name := range r.Summary {
			base, ok := strings.CutSuffix(name, ".mean")
			k := metric.Parse(base)
			if !ok || k.Scope != scope || slices.Contains(known, base) || slices.Contains(extra, base) {
				continue
			}
			if _, strains := metric.RuntimeNames[k.Name]; !strains {
				extra = append(extra, base)
			} else if slices.Contains(runtimeFigures, k.Name) {
				known = append(known, base)
			}
		}
	}
	if slices.Contains(known, scope.Of("goroutines").String()) {
		known = slices.DeleteFunc(known, func(n string) bool { return n == scope.Of("tasks").String() }) // a Go runtime's tasks are its goroutines
	}
	order := func(name string) int { return slices.Index(runtimeFigures, metric.Parse(name).Name) }
	slices.SortFunc(known, func(a, b string) int { return order(a) - order(b) })
	slices.Sort(extra)
	return append(known, extra[:min(len(extra), maxExtra)]...)
}

// title is a runtime's heading: the name its target was given, if any.
func title(r *report.Report, s metric.Scope) string {
	if given := r.TargetNames[s.String()]; given != "" && s.Kind == metric.Target {
		return given
	}
	return s.String()
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
