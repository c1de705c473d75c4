package report

import "github.com/strain-dev/strain/metric"

// Summarize adds NAME.min, .mean, .max and .last to the summary for each
// name, over the points of the series that have it. Where any point's
// value of name is bounded, each figure gets its bounds in SummaryBounds:
// the same figure over the points' lower edges and over their upper ones
// (an exact value is both).
func (r *Report) Summarize(names ...string) {
	for _, name := range names {
		var val, lo, hi stats
		bounded := false
		for _, p := range r.Series {
			v, ok := p.Metrics[name]
			if !ok {
				continue
			}
			b, ok := p.Bounds[name]
			if !ok {
				b = metric.Exact(v)
			}
			bounded = bounded || ok
			val.add(v)
			lo.add(b.Lo)
			hi.add(b.Hi)
		}
		if val.n == 0 {
			continue
		}
		for stat, v := range val.figures() {
			r.Summary[name+"."+stat] = v
		}
		if !bounded {
			continue
		}
		if r.SummaryBounds == nil {
			r.SummaryBounds = map[string]metric.Bounds{}
		}
		his := hi.figures()
		for stat, l := range lo.figures() {
			r.SummaryBounds[name+"."+stat] = metric.Bounds{Lo: l, Hi: his[stat]}
		}
	}
}

// stats accumulates a series' min, mean, max and last.
type stats struct {
	n                 int
	sum, lo, hi, last float64
}

func (s *stats) add(v float64) {
	if s.n == 0 || v < s.lo {
		s.lo = v
	}
	if s.n == 0 || v > s.hi {
		s.hi = v
	}
	s.n++
	s.sum += v
	s.last = v
}

func (s *stats) figures() map[string]float64 {
	return map[string]float64{"min": s.lo, "mean": s.sum / float64(s.n), "max": s.hi, "last": s.last}
}
