package tui

import "math"

// overviewLen bounds the whole run's buckets. When they are all taken,
// adjacent buckets merge pairwise, and each then holds twice the
// intervals: a run of any length is between overviewLen/2 and overviewLen
// buckets, more than the dots a 200-column screen's charts have.
const overviewLen = 512

// bucket is a span of consecutive intervals of the overview: from the
// start of its first, t0, to the end of its last, t1.
type bucket struct {
	t0, t1 float64
	n      int // intervals in it
	level  int // the worst alert standing of any of them
}

// agg is one series' values over a bucket's intervals: their sum and
// highest, and how many of the intervals had a value (0: a gap).
type agg struct {
	sum, max float64
	n        int
}

func (a *agg) add(v float64) {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return
	}
	if a.n == 0 || v > a.max {
		a.max = v
	}
	a.sum += v
	a.n++
}

func (a *agg) merge(b agg) {
	if b.n == 0 {
		return
	}
	if a.n == 0 || b.max > a.max {
		a.max = b.max
	}
	a.sum += b.sum
	a.n += b.n
}

// value is the bucket's figure: its highest for a series that keeps its
// peaks (see peak), else its mean over the intervals that had a value.
func (a agg) value(peak bool) float64 {
	if peak {
		return a.max
	}
	return a.sum / float64(a.n)
}

// overview is the whole run in buckets of per intervals each (the newest
// may be filling). Its memory is overviewLen buckets of each series,
// however long the run.
type overview struct {
	per     int
	buckets []bucket
	series  map[string][]agg // by series name; each parallel to buckets
}

func newOverview() overview { return overview{per: 1, series: map[string][]agg{}} }

// add records frame f, an interval that began at t0 with alert standing
// level. Only the series in kept are recorded: the history's bound.
func (o *overview) add(f Frame, t0 float64, level int, kept map[string][]sample) {
	if n := len(o.buckets); n == 0 || o.buckets[n-1].n >= o.per {
		if n == overviewLen {
			o.halve()
		}
		o.buckets = append(o.buckets, bucket{t0: t0})
		for name, a := range o.series {
			o.series[name] = append(a, agg{})
		}
	}
	i := len(o.buckets) - 1
	b := &o.buckets[i]
	b.t1, b.n, b.level = f.T, b.n+1, max(b.level, level)
	for name, v := range f.Metrics {
		if _, ok := kept[name]; !ok {
			continue
		}
		a, ok := o.series[name]
		if !ok {
			a = make([]agg, len(o.buckets))
			o.series[name] = a
		}
		a[i].add(v)
	}
}

// halve merges adjacent buckets pairwise: each then covers twice the
// intervals, and half the buckets are free.
func (o *overview) halve() {
	n := len(o.buckets) / 2
	for j := range n {
		a, b := o.buckets[2*j], o.buckets[2*j+1]
		o.buckets[j] = bucket{t0: a.t0, t1: b.t1, n: a.n + b.n, level: max(a.level, b.level)}
	}
	o.buckets = o.buckets[:n]
	for name, s := range o.series {
		for j := range n {
			m := s[2*j]
			m.merge(s[2*j+1])
			s[j] = m
		}
		o.series[name] = s[:n]
	}
	o.per *= 2
}

// group is how many buckets go into each of at most most points.
func (o *overview) group(most int) int {
	return max(1, (len(o.buckets)+most-1)/max(most, 1))
}

// points are name's values over the whole run as at most most samples,
// each merging consecutive buckets by the same rule as the buckets merge
// intervals; a sample's time is the end of its last interval.
func (o *overview) points(name string, most int) []sample {
	s := o.series[name]
	k, pk := o.group(most), peak(name)
	var out []sample
	for g := 0; g*k < len(s); g++ {
		end := min((g+1)*k, len(s))
		var a agg
		for _, x := range s[g*k : end] {
			a.merge(x)
		}
		if a.n > 0 {
			out = append(out, sample{frame: g, t: o.buckets[end-1].t1, v: a.value(pk)})
		}
	}
	return out
}

// values are name's values over the whole run as at most most points,
// for a sparkline.
func (o *overview) values(name string, most int) []float64 {
	pts := o.points(name, most)
	out := make([]float64, len(pts))
	for i, p := range pts {
		out[i] = p.v
	}
	return out
}

// marks are the buckets' alert standings.
func (o *overview) marks() []mark {
	out := make([]mark, len(o.buckets))
	for i, b := range o.buckets {
		out[i] = mark{b.t0, b.t1, b.level}
	}
	return out
}
