package tui

// historyLen is how many intervals of history each sparkline keeps.
const historyLen = 240

// history keeps the last historyLen values of each metric, a ring that
// never grows.
type history map[string][]float64

func (h history) push(name string, v float64) {
	s := append(h[name], v)
	if len(s) > historyLen {
		s = s[len(s)-historyLen:]
	}
	h[name] = s
}

// last returns the newest width values of name.
func (h history) last(name string, width int) []float64 {
	s := h[name]
	if len(s) > width {
		s = s[len(s)-width:]
	}
	return s
}
