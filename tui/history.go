package tui

// historyLen is how many intervals of history each series keeps.
const historyLen = 240

// sample is one interval's value of a series: the frame it came in (to
// tell a gap from the next interval), its time in seconds, its value.
type sample struct {
	frame int
	t, v  float64
}

// mark is one interval's alert standing: the worst severity firing at its
// end, 0 for none, 1 for a warning, 2 for a critical.
type mark struct {
	t     float64
	level int
}

// history keeps the last historyLen samples of each series and the alert
// standing of each frame: rings that never grow.
type history struct {
	frames int
	series map[string][]sample
	alerts []mark
}

func newHistory() history { return history{series: map[string][]sample{}} }

// add records frame f.
func (h *history) add(f Frame) {
	h.frames++
	for name, v := range f.Metrics {
		h.series[name] = keep(append(h.series[name], sample{h.frames, f.T, v}))
	}
	h.alerts = keep(append(h.alerts, mark{f.T, firingLevel(f.Alerts)}))
}

func keep[T any](s []T) []T {
	if len(s) > historyLen {
		s = s[len(s)-historyLen:]
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

// last returns the newest width values of name.
func (h *history) last(name string, width int) []float64 {
	s := h.series[name]
	if len(s) > width {
		s = s[len(s)-width:]
	}
	out := make([]float64, len(s))
	for i, p := range s {
		out[i] = p.v
	}
	return out
}

// since returns the samples of name from time t0 on.
func (h *history) since(name string, t0 float64) []sample {
	s := h.series[name]
	for len(s) > 0 && s[0].t < t0 {
		s = s[1:]
	}
	return s
}

// fired reports whether any alert fired within the history.
func (h *history) fired() bool {
	for _, m := range h.alerts {
		if m.level > 0 {
			return true
		}
	}
	return false
}
