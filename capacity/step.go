package capacity

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/strain-dev/strain/alert"
	"github.com/strain-dev/strain/loadgen"
	"github.com/strain-dev/strain/metric"
	"github.com/strain-dev/strain/report"
	"github.com/strain-dev/strain/session"
)

// measure is a step's sink: it merges the windows of the measured part,
// after the warm-up, keeps their points, and passes every point on to
// the search's own sinks, moved onto the search's timeline.
type measure struct {
	warmup    time.Duration
	offset    float64 // the step's start, in seconds since the search's
	out       []session.Sink
	counts    loadgen.Counts
	first     time.Duration // the measured part's span in the step
	last      time.Duration
	dropped   int64
	late      int64
	points    []report.Point // the measured part's
	saturated int            // measured points at which strain itself was saturated
	stalled   bool           // a measured interval completed nothing with requests in flight
	// decided says why the step has failed already, "" while it may yet
	// pass; end ends the step early then, once.
	decided func(sum map[string]float64) string
	end     func(why string)
	ended   string
}

func newMeasure(warmup time.Duration, offset float64, out []session.Sink) *measure {
	return &measure{warmup: warmup, offset: offset, out: out, counts: loadgen.NewCounts(), first: -1}
}

// Observe takes one point of the step.
func (m *measure) Observe(p *session.Point) {
	if w := p.Window; w != nil && w.Start >= m.warmup {
		m.counts.Add(&w.Counts)
		if m.first < 0 {
			m.first = w.Start
		}
		m.last = w.End
		m.dropped += w.Dropped
		m.late += w.Late
		m.points = append(m.points, p.Point)
		if p.Saturated {
			m.saturated++
		}
		m.stalled = m.stalled || w.Requests == 0 && w.Inflight > 0
		m.decide(p.Window.Level)
	}
	if len(m.out) == 0 {
		return
	}
	q := shifted(p, m.offset)
	for _, s := range m.out {
		s.Observe(q)
	}
}

// decideAfter is how many measured intervals a step runs before it may
// end early.
const decideAfter = 2

// decide ends the step early when its measured part so far has already
// failed an SLO beyond doubt.
func (m *measure) decide(rate float64) {
	if m.decided == nil || m.ended != "" || len(m.points) < decideAfter {
		return
	}
	if why := m.decided(m.summary(rate)); why != "" {
		m.ended = why
		m.end(why)
	}
}

// shifted is p moved onto the search's timeline, offset seconds on.
func shifted(p *session.Point, offset float64) *session.Point {
	q := *p
	q.T += offset
	q.Events = slices.Clone(p.Events)
	for i := range q.Events {
		q.Events[i].T += offset
	}
	q.Findings = shiftFindings(p.Findings, offset)
	return &q
}

func shiftFindings(fs []report.Finding, offset float64) []report.Finding {
	out := slices.Clone(fs)
	for i := range out {
		out[i].Start += offset
		out[i].End += offset
	}
	return out
}

// summary is the measured part's figures by the names gates use: the
// load's from the merged histograms and the rate asked for; each runtime
// series (and inflight) as NAME.min|mean|max|last.
// Empty when nothing was measured.
func (m *measure) summary(rate float64) map[string]float64 {
	if m.first < 0 {
		return map[string]float64{"rate": rate}
	}
	w := loadgen.Window{Counts: m.counts, Start: m.first, End: m.last, Dropped: m.dropped, Late: m.late}
	sum := w.Metrics(true)
	delete(sum, "inflight") // moments: their series summarise them
	delete(sum, "oldest_inflight")
	sum["rate"] = rate
	tmp := report.Report{Series: m.points, Summary: sum}
	names := []string{"inflight"}
	for _, p := range m.points {
		for k := range p.Metrics {
			if metric.Parse(k).Scope.Kind != metric.Load && !slices.Contains(names, k) {
				names = append(names, k)
			}
		}
	}
	tmp.Summarize(names...)
	return sum
}

// decisive are the load's figures a step's measured part can fail beyond
// doubt before its end: past twice an upper bound on them, the rest of
// the step would not bring them back.
var decisive = []string{"latency.p50", "latency.p90", "latency.p95", "latency.p99", "latency.p999", "latency.mean",
	"latency_uncorrected.p50", "latency_uncorrected.p90", "latency_uncorrected.p95", "latency_uncorrected.p99", "error_rate"}

// failedBeyondDoubt says which of slos a summary so far fails beyond
// doubt, or "".
func failedBeyondDoubt(slos []*alert.Gate, sum map[string]float64) string {
	for _, g := range slos {
		upper := g.Op == alert.Less || g.Op == alert.LessEqual
		v, ok := sum[g.Metric]
		if ok && upper && g.Threshold > 0 && slices.Contains(decisive, g.Metric) && v > 2*g.Threshold {
			return fmt.Sprintf("%s is %s, past twice %q: the step ends early", g.Metric, metric.Format(g.Metric, v), g.Text)
		}
	}
	return ""
}

// judged is a summary as the checks read it: a runtime series' bare name
// is its mean over the step.
func judged(sum map[string]float64) map[string]float64 {
	view := maps.Clone(sum)
	for k, v := range sum {
		if name, ok := strings.CutSuffix(k, ".mean"); ok && metric.Parse(name).Scope.Kind != metric.Load {
			if _, taken := view[name]; !taken {
				view[name] = v
			}
		}
	}
	return view
}

// seconds is the measured part's length.
func (m *measure) seconds() float64 {
	if m.first < 0 {
		return 0
	}
	return (m.last - m.first).Seconds()
}

// checks are what a step at rate must pass: the SLOs, then the implicit
// checks (the target kept up, and did not mostly fail).
func checks(slos []*alert.Gate, rate, precision float64) []*alert.Gate {
	share := min(KeptUp, 1-precision)
	keptUp := rate * share
	implicit := []*alert.Gate{
		{Cond: alert.Cond{Metric: "throughput", Op: alert.GreaterEqual, Threshold: keptUp},
			Text: fmt.Sprintf("throughput >= %s (%s of the rate)", metric.FormatPerSecond(keptUp), wholePercent(share))},
		{Cond: alert.Cond{Metric: "error_rate", Op: alert.Less, Threshold: HardErrors},
			Text: fmt.Sprintf("error_rate < %s", wholePercent(HardErrors))},
	}
	return append(slices.Clone(slos), implicit...)
}

// judge checks a step's summary against its checks; the first len(slos)
// are the user's, the rest implicit.
func judge(cs []*alert.Gate, nSLOs int, sum map[string]float64) ([]report.Gate, bool) {
	var out []report.Gate
	pass := true
	view := judged(sum)
	for i, g := range cs {
		v := g.Check(view)
		r := v.Report()
		r.Kind = "slo"
		if i >= nSLOs {
			r.Kind = "implicit"
		}
		if g.Metric == "throughput" && !v.NoData {
			r.Shown = metric.FormatPerSecond(v.Value)
		}
		out = append(out, r)
		pass = pass && v.Pass
	}
	return out, pass
}

// wholePercent writes a ratio as whole percent: 0.95 is 95%.
func wholePercent(r float64) string { return metric.FormatUnit(metric.Percent, 100*r) }
