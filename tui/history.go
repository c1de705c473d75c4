package tui

import "github.com/strain-dev/strain/metric"

// recentLen is how many intervals the recent view keeps, as they came.
const recentLen = 240

// maxSeries bounds the series the history keeps: names past it still show
// their value now, with no chart. Sources already bound a sample's metrics;
// this keeps a target that renames its series each interval from growing
// the dashboard.
const maxSeries = 1024

// sample is one point of a series as a chart draws it: its index (an
// interval, or a bucket of the overview; the line breaks where two
// samples' indexes are not consecutive, a gap), its time in seconds, its
// value.
type sample struct {
	frame int
	t, v  float64
}

// mark is the alert standing over (t0, t]: the worst severity firing at
// the end of an interval in it, 0 for none, 1 for a warning, 2 for a
// critical.
type mark struct {
	t0, t float64
	level int
}

// history is what the charts draw: the last recentLen intervals as they
// came, and the whole run, downsampled into at most overviewLen buckets
// (see overview). Neither grows with the run.
type history struct {
	frames  int
	lastT   float64
	series  map[string][]sample // the recent intervals of each series
	alerts  []mark              // the recent intervals' alert standing
	whole   overview
	dropped bool // a series past maxSeries was not kept
}

func newHistory() history {
	return history{series: map[string][]sample{}, whole: newOverview()}
}

// add records frame f.
func (h *history) add(f Frame) {
	h.frames++
	for name, v := range f.Metrics {
		s, ok := h.series[name]
		if !ok && len(h.series) >= maxSeries {
			h.dropped = true
			continue
		}
		h.series[name] = keep(append(s, sample{h.frames, f.T, v}))
	}
	level := firingLevel(f.Alerts)
	h.alerts = keep(append(h.alerts, mark{h.lastT, f.T, level}))
	h.whole.add(f, h.lastT, level, h.series)
	h.lastT = f.T
}

func keep[T any](s []T) []T {
	if len(s) > recentLen {
		s = s[len(s)-recentLen:]
	}
	return s
}

// firingLevel is the worst severity firing among alerts.
func firingLevel(alerts []Alert) int {
	level := 0
	for _, a := range alerts {
		switch {
		case a.State != "firing":
		case a.Severity == "critical":
			level = 2
		default:
			level = max(level, 1)
		}
	}
	return level
}

// last returns the newest n values of name.
func (h *history) last(name string, n int) []float64 {
	s := h.series[name]
	if len(s) > n {
		s = s[len(s)-n:]
	}
	out := make([]float64, len(s))
	for i, p := range s {
		out[i] = p.v
	}
	return out
}

// recentStart is where the recent view begins: the run's start while it
// holds every interval, else the start of its oldest.
func (h *history) recentStart() float64 {
	if len(h.alerts) == 0 || h.frames <= len(h.alerts) {
		return 0
	}
	return h.alerts[0].t0
}

// since returns the recent samples of name from time t0 on.
func (h *history) since(name string, t0 float64) []sample {
	s := h.series[name]
	for len(s) > 0 && s[0].t < t0 {
		s = s[1:]
	}
	return s
}

// peak says whether a series downsamples to its highest value rather than
// its mean: durations (latency, scheduler latency, GC pauses, the oldest
// request in flight) and ratios (error rate, the GC's share), so that a
// spike of one interval stays in view however long the run.
func peak(name string) bool {
	u := metric.UnitOf(name)
	return u == metric.Seconds || u == metric.Ratio
}
