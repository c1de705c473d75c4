// Package diagnose says what is wrong with a service from a run's joint
// timeline, the load's figures and the target's runtime interval by
// interval: starvation, blocking, a leak, a stall… each with its span, a
// sentence with the numbers, the evidence and the next step. Diagnose
// reads the timeline alone; Attach adds what the profiles captured during
// the run show.
package diagnose

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/strain-dev/strain/metric"
	"github.com/strain-dev/strain/report"
)

// Input is the run as diagnosis sees it.
type Input struct {
	Series  []report.Point
	Targets []Target // the watched targets, in order
	Load    bool     // the run sent load
	// LoadEnd is when the load stopped, in seconds since the start, when
	// the run watched on after it (a cooldown); 0 when it did not.
	LoadEnd float64
	// Saturated says whether strain itself was saturated in an interval.
	Saturated func(map[string]float64) bool
	// Runtimes are what each target runs, by its scope's name, where its
	// sources said ("go", "python", "node"): the words of its advice.
	Runtimes map[string]string
	// Errors are the run's failed requests by kind, for the evidence.
	Errors map[string]int64
}

// Target is a watched target: its name, as its captures have it, and the
// scope of its metrics (target.X with one, target[NAME].X with several).
type Target struct {
	Name  string
	Scope metric.Scope
}

// minPoints is how many intervals diagnosis needs to judge anything.
const minPoints = 4

// Diagnose returns the findings the timeline shows, the most severe
// first, then by time.
func Diagnose(in Input) []report.Finding {
	return newTimeline(in).diagnose()
}

// diagnose is what the timeline shows, the most severe first.
func (t *timeline) diagnose() []report.Finding {
	in := t.in
	out := []report.Finding{}
	if len(in.Series) < minPoints {
		return []report.Finding{t.tooShort()}
	}
	if in.Load {
		out = append(out, t.stalls()...)
		out = append(out, t.errorBursts()...)
		out = append(out, t.saturation()...)
		out = append(out, t.generator()...)
	}
	for _, tg := range in.Targets {
		out = append(out, t.target(tg.Scope)...)
	}
	if len(in.Targets) == 0 {
		out = append(out, t.noTarget())
	}
	sortFindings(out)
	return out
}

// sortFindings puts the most severe first, then the earliest.
func sortFindings(fs []report.Finding) {
	slices.SortStableFunc(fs, func(a, b report.Finding) int {
		if d := b.Severity.Rank() - a.Severity.Rank(); d != 0 {
			return d
		}
		return cmpFloat(a.Start, b.Start)
	})
}

// target is what one target's runtime shows.
func (t *timeline) target(s metric.Scope) []report.Finding {
	var out []report.Finding
	starved := t.starvation(s)
	contended := t.contention(s)
	collected := t.gcPressure(s)
	out = append(out, starved...)
	out = append(out, contended...)
	out = append(out, collected...)
	out = append(out, t.blockedLoop(s)...)
	if t.in.Load {
		// Requests that wait on a starved scheduler, a lock or the GC are
		// those findings', not blocking's.
		explained := slices.Concat(starved, contended, collected)
		out = append(out, t.blocking(s, explained)...)
	}
	leaks := t.leak(s)
	grown := t.memoryGrowth(s)
	if len(leaks) > 0 && len(grown) > 0 {
		// Leaked goroutines hold their stacks and what they reference:
		// the memory's growth is the leak's evidence, not a finding of
		// its own.
		f := &leaks[len(leaks)-1]
		f.Evidence = append(f.Evidence, grown[0].Evidence...)
		f.Summary += " Memory grew with them: " + strings.TrimPrefix(grown[0].Summary, t.name(s)+": ")
		grown = nil
	}
	out = append(out, leaks...)
	out = append(out, grown...)
	out = append(out, t.missing(s)...)
	return out
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// timeline is the series as columns, one value per interval, NaN where an
// interval lacks the metric.
type timeline struct {
	in         Input
	times      []float64
	cols       map[string][]float64
	stallSpans []report.Finding // found first: what blocking must not claim
	// head is the run's first intervals, and total its length, where the
	// timeline is a live window on the run's end (Live): baselines are
	// the run's, not the window's.
	head  *timeline
	total int
}

func newTimeline(in Input) *timeline {
	t := &timeline{in: in, cols: map[string][]float64{}}
	for _, p := range in.Series {
		t.times = append(t.times, p.T)
	}
	return t
}

// col is metric name's values, interval by interval.
func (t *timeline) col(name string) []float64 {
	if c, ok := t.cols[name]; ok {
		return c
	}
	c := make([]float64, len(t.in.Series))
	for i, p := range t.in.Series {
		v, ok := p.Metrics[name]
		// Every figure diagnosis reads is a count, a size, a share or a
		// duration: one below zero, or not finite, is a broken source's.
		if !ok || !(v >= 0) || math.IsInf(v, 0) {
			v = math.NaN()
		}
		c[i] = v
	}
	t.cols[name] = c
	return c
}

// lo is metric name's lower bound, interval by interval: where it was
// read from buckets, its bucket's lower edge; elsewhere its value. A
// claim that a figure is too high is judged on it, so that a coarse
// bucket's top is never taken for the truth.
func (t *timeline) lo(name string) []float64 { return t.edge(name, false) }

// hi is metric name's upper bound, interval by interval, as lo is its
// lower.
func (t *timeline) hi(name string) []float64 { return t.edge(name, true) }

func (t *timeline) edge(name string, upper bool) []float64 {
	key := name + "\x00lo"
	if upper {
		key = name + "\x00hi"
	}
	if c, ok := t.cols[key]; ok {
		return c
	}
	c := slices.Clone(t.col(name))
	for i, p := range t.in.Series {
		if b, ok := p.Bounds[name]; ok && !math.IsNaN(c[i]) && b.Valid() {
			c[i] = b.Lo
			if upper {
				c[i] = b.Hi
			}
		}
	}
	t.cols[key] = c
	return c
}

// peakOf is where metric name's highest value over r lies: between the
// highest of its lower bounds and the highest of its upper ones, both the
// value where it is exact.
func (t *timeline) peakOf(name string, r run) metric.Bounds {
	return metric.Bounds{Lo: peak(t.lo(name), r), Hi: peak(t.hi(name), r)}
}

// upTo is a peak for a sentence: "up to 25.3ms", or, read from buckets,
// "between 10.5ms and 117ms at the worst".
func upTo(name string, b metric.Bounds) string {
	switch {
	case b.Exact():
		return "up to " + metric.Format(name, b.Hi)
	case math.IsInf(b.Hi, 1):
		return metric.FormatBetween(name, b) // "at least 10.0s": past the top bucket
	}
	return metric.FormatBetween(name, b) + " at the worst"
}

// baselineOf is metric name's value before the trouble, with its bounds.
func (t *timeline) baselineOf(name string) metric.Bounds {
	lo, n := t.first(name, (*timeline).lo)
	hi, _ := t.first(name, (*timeline).hi)
	return metric.Bounds{Lo: baseline(lo, n), Hi: baseline(hi, n)}
}

// baseline is metric name's value before trouble (see baseline).
func (t *timeline) baseline(name string) float64 {
	return baseline(t.first(name, (*timeline).col))
}

// floor is where metric name started (see floor).
func (t *timeline) floor(name string) float64 {
	return floor(t.first(name, (*timeline).col))
}

// first is a column of metric name over the run's first intervals, and
// the run's length: a live window's are those of the run's head, which
// it keeps.
func (t *timeline) first(name string, col func(*timeline, string) []float64) ([]float64, int) {
	if t.head != nil {
		return col(t.head, name), t.total
	}
	return col(t, name), len(t.times)
}

// has reports whether metric name has a value in any interval.
func (t *timeline) has(name string) bool {
	return slices.ContainsFunc(t.col(name), func(v float64) bool { return !math.IsNaN(v) })
}

// loadEnd is the index of the last interval under load.
func (t *timeline) loadEnd() int {
	if t.in.LoadEnd <= 0 {
		return len(t.times) - 1
	}
	i := 0
	for i+1 < len(t.times) && t.times[i+1] <= t.in.LoadEnd {
		i++
	}
	return i
}

// baseline is a metric's value before trouble: the median of the first
// few intervals after the first (whose figures include the warm-up), in a
// run of n intervals whose first values are v. NaN when they have none.
func baseline(v []float64, n int) float64 {
	k := min(max(n/5, 2), 5)
	var first []float64
	for _, x := range v[min(1, len(v)):min(1+k, len(v))] {
		if !math.IsNaN(x) {
			first = append(first, x)
		}
	}
	if len(first) == 0 {
		return math.NaN()
	}
	slices.Sort(first)
	return first[len(first)/2]
}

// maxLapse is how many intervals a span may lapse inside it and go on.
const maxLapse = 2

// floor is where a metric that should not grow started: the lowest of
// the first few intervals, the first included (a leak may begin with the
// load), in a run of n intervals whose first values are v.
func floor(v []float64, n int) float64 {
	m := math.NaN()
	for _, x := range v[:min(1+min(max(n/5, 2), 5), len(v))] {
		if !math.IsNaN(x) && (math.IsNaN(m) || x < m) {
			m = x
		}
	}
	return m
}

// run is a span of intervals, by index, both ends included.
type run struct{ from, to int }

// runs are the spans where ok holds for at least minLen intervals, a
// lapse of up to two intervals inside a span forgiven.
func runs(ok []bool, minLen int) []run {
	var out []run
	for i := 0; i < len(ok); {
		if !ok[i] {
			i++
			continue
		}
		r := run{i, i}
		for j := i + 1; j < len(ok); j++ {
			if ok[j] {
				r.to = j
			} else if j-r.to > maxLapse {
				break
			}
		}
		hits := 0
		for _, b := range ok[r.from : r.to+1] {
			if b {
				hits++
			}
		}
		if hits >= minLen {
			out = append(out, r)
		}
		i = r.to + 1
	}
	return out
}

// runsOver are runs of ok counted over the intervals where v has a
// value: a figure that only some intervals have (an execution-trace
// window's, one interval in five) makes a span of the windows in a row
// that show it, where runs would see each window alone. Such a span needs
// two windows at least, and to cover minLen intervals, where a span of
// values in every interval needs minLen of them.
func runsOver(v []float64, ok []bool, minLen int) []run {
	var at []int
	var sparse []bool
	for i, x := range v {
		if !math.IsNaN(x) {
			at = append(at, i)
			sparse = append(sparse, ok[i])
		}
	}
	var out []run
	for _, r := range runs(sparse, 1) {
		hits := 0
		for _, b := range sparse[r.from : r.to+1] {
			if b {
				hits++
			}
		}
		span := at[r.to] - at[r.from] + 1
		gappy := span > r.to-r.from+1
		if hits >= minLen || gappy && hits >= 2 && span >= minLen {
			out = append(out, run{at[r.from], at[r.to]})
		}
	}
	return out
}

// runsAbove are the runs (runsOver) of v at or above threshold.
func runsAbove(v []float64, threshold float64, minLen int) []run {
	ok := make([]bool, len(v))
	for i, x := range v {
		ok[i] = x >= threshold
	}
	return runsOver(v, ok, minLen)
}

// either is a column with a value where a or b has one.
func either(a, b []float64) []float64 {
	out := slices.Clone(a)
	for i := range out {
		if math.IsNaN(out[i]) {
			out[i] = b[i]
		}
	}
	return out
}

// peak is the highest value of v over r, NaN when it has none.
func peak(v []float64, r run) float64 {
	m := math.NaN()
	for _, x := range v[r.from : r.to+1] {
		if !math.IsNaN(x) && (math.IsNaN(m) || x > m) {
			m = x
		}
	}
	return m
}

// span is r in seconds: from the start of its first interval to the end
// of its last.
func (t *timeline) span(r run) (float64, float64) {
	start := 0.0
	switch {
	case r.from > 0:
		start = t.times[r.from-1]
	case t.head != nil: // a live window's first interval began before it
		start = t.times[0] - t.interval()
	}
	return start, t.times[r.to]
}

// finding is a finding over r.
func (t *timeline) finding(kind report.Kind, severity report.Severity, s metric.Scope, r run) report.Finding {
	f := report.Finding{Kind: kind, Severity: severity, Evidence: []report.Evidence{}}
	for _, tg := range t.in.Targets {
		if tg.Scope == s {
			f.Target = tg.Name
		}
	}
	f.Start, f.End = t.span(r)
	return f
}

// evidence is a metric's value, shown in its unit.
func evidence(name string, v float64) report.Evidence {
	return report.Evidence{Metric: name, Value: v, Shown: metric.Format(name, v)}
}

// evidenceOf is metric name's peak over r, shown as the range it lies in
// where it was read from buckets.
func (t *timeline) evidenceOf(name string, r run) report.Evidence {
	ev := evidence(name, peak(t.col(name), r))
	if b := t.peakOf(name, r); !b.Exact() && b.Valid() {
		ev.Bounds, ev.Shown = &b, metric.FormatRange(name, b)
	}
	return ev
}

// cores is how many cores target s may use, as the target says: its
// GOMAXPROCS, or the CPU limit of its process (a cgroup's quota, the
// cores it may run on), the lower of the two; an event loop runs on one.
// ok is false when nothing says: no sentence then claims a share of it.
func (t *timeline) cores(s metric.Scope) (float64, bool) {
	if t.eventLoop(s) {
		return 1, true // one thread runs the loop
	}
	n := math.Inf(1)
	if v := t.baseline(s.Of("gomaxprocs").String()); v > 0 {
		n = v
	}
	if v := t.baseline(s.Of("cpu_limit").String()); v > 0 {
		n = min(n, v/100)
	}
	if math.IsInf(n, 1) {
		return 0, false
	}
	return n, true
}

// FailOn turns a list of kinds ("leak,starvation"), or "critical" (any
// critical finding) or "any" (any warning or worse), into the gates that
// fail a run with such a finding: "findings.leak == 0"…
func FailOn(list string) ([]string, error) {
	var gates []string
	for _, k := range strings.Split(list, ",") {
		switch k = strings.TrimSpace(k); {
		case k == "":
		case report.Severity(k) == report.Critical:
			gates = append(gates, "findings.critical == 0")
		case k == "any":
			gates = append(gates, "findings.critical == 0", "findings.warning == 0")
		case slices.Contains(report.Kinds, report.Kind(k)) && report.Kind(k) != report.InsufficientData:
			gates = append(gates, "findings."+k+" == 0")
		default:
			return nil, fmt.Errorf("unknown kind %q (want critical, any, or kinds among %s)", k, join(report.Kinds[:len(report.Kinds)-1]))
		}
	}
	return gates, nil
}

// join lists kinds, comma separated.
func join(kinds []report.Kind) string {
	s := make([]string, len(kinds))
	for i, k := range kinds {
		s[i] = string(k)
	}
	return strings.Join(s, ", ")
}
