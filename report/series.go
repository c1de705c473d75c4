package report

// Summarize adds NAME.min, .mean, .max and .last to the summary for each
// name, over the points of the series that have it.
func (r *Report) Summarize(names ...string) {
	for _, name := range names {
		var n int
		var sum, lo, hi, last float64
		for _, p := range r.Series {
			v, ok := p.Metrics[name]
			if !ok {
				continue
			}
			if n == 0 || v < lo {
				lo = v
			}
			if n == 0 || v > hi {
				hi = v
			}
			n++
			sum += v
			last = v
		}
		if n == 0 {
			continue
		}
		r.Summary[name+".min"] = lo
		r.Summary[name+".mean"] = sum / float64(n)
		r.Summary[name+".max"] = hi
		r.Summary[name+".last"] = last
	}
}
