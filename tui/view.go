package tui

// The charts show the whole run by default, downsampled (see overview),
// so that its start stays in view however long it runs; the view key
// switches them to the recent intervals as they came, and back.

// points are name's samples in view over span s: at most two a column,
// as many as a braille chart has dots across.
func (m Model) points(name string, s span) []sample {
	if m.recent {
		return m.hist.since(name, s.t0)
	}
	return m.hist.whole.points(name, 2*s.cols)
}

// sparkValues are name's values in view, at most n: a sparkline's.
func (m Model) sparkValues(name string, n int) []float64 {
	if m.recent {
		return m.hist.last(name, n)
	}
	return m.hist.whole.values(name, n)
}

// marks are the alert standings in view.
func (m Model) marks() []mark {
	if m.recent {
		return m.hist.alerts
	}
	return m.hist.whole.marks()
}

// span is the time in view, drawn over cols columns: from the run's start,
// or the oldest recent interval's, to the latest frame.
func (m Model) span(cols int) span {
	s := span{t1: m.frame.T, cols: max(cols, 1)}
	if m.recent {
		s.t0 = m.hist.recentStart()
	}
	return s
}

// fired says whether an alert fired in view.
func (m Model) fired() bool {
	for _, mk := range m.marks() {
		if mk.level > 0 {
			return true
		}
	}
	return false
}

// viewLabel says what the charts show: "whole run", or "last 04:00".
func (m Model) viewLabel() string {
	if m.recent {
		return "last " + clockString(secondsOf(m.frame.T-m.hist.recentStart()))
	}
	return "whole run"
}
