package merge

import (
	"math"
	"slices"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/strain-dev/strain/loadgen"
	"github.com/strain-dev/strain/metric"
	"github.com/strain-dev/strain/report"
)

// seriesSums are the load's per-interval figures that add across
// segments; the oldest request in flight is the oldest of any.
var seriesSums = []string{"requests", "errors", "bytes_in", "bytes_out", "messages", "dropped", "late", "inflight", "throughput", "rate", "concurrency"}

// bucket is one interval of the merged series.
type bucket struct {
	m        map[string]float64
	lat, unc *hdr.Histogram
	timed    bool                     // every segment's point in it carried its histograms
	n        int                      // points merged into it
	bounds   map[string]metric.Bounds // the first segment's runtime figures read from buckets
}

// series aligns the segments' series by wall-clock time, an interval of
// the first segment's length each: the load's figures add up, the
// latency percentiles come from the merged histograms of the interval,
// and the runtimes' are the first segment's.
func series(reps []*report.Report, start time.Time) ([]report.Point, error) {
	step := interval(reps[0].Series)
	buckets := map[int]*bucket{}
	for si, r := range reps {
		shift := r.Started.Sub(start).Seconds()
		for _, p := range r.Series {
			k := int(math.Round((p.T + shift) / step))
			b := buckets[k]
			if b == nil {
				b = &bucket{m: map[string]float64{}, lat: empty(), unc: empty(), timed: true}
				buckets[k] = b
			}
			if err := b.add(p, si == 0); err != nil {
				return nil, err
			}
		}
	}
	keys := make([]int, 0, len(buckets))
	for k := range buckets {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := make([]report.Point, 0, len(keys))
	for _, k := range keys {
		out = append(out, buckets[k].point(float64(k)*step))
	}
	return out, nil
}

// interval is a series' interval: the gap between its first two points,
// or the first point's time.
func interval(ps []report.Point) float64 {
	switch {
	case len(ps) >= 2 && ps[1].T > ps[0].T:
		return ps[1].T - ps[0].T
	case len(ps) >= 1 && ps[0].T > 0:
		return ps[0].T
	}
	return loadgen.DefaultInterval.Seconds()
}

// add merges a segment's point into b; first is the first segment's,
// whose runtime figures the merged series keeps.
func (b *bucket) add(p report.Point, first bool) error {
	b.n++
	for k, v := range p.Metrics {
		switch {
		case slices.Contains(seriesSums, k):
			b.m[k] += v
		case k == "oldest_inflight":
			b.m[k] = max(b.m[k], v)
		case first && metric.Parse(k).Scope.Kind != metric.Load:
			b.m[k] = v
			if bd, ok := p.Bounds[k]; ok {
				if b.bounds == nil {
					b.bounds = map[string]metric.Bounds{}
				}
				b.bounds[k] = bd
			}
		}
	}
	for _, name := range []string{"latency.max", "latency_uncorrected.max"} {
		if v, ok := p.Metrics[name]; ok {
			b.m[name] = max(b.m[name], v)
		}
	}
	if p.Histograms == nil {
		b.timed = false
		return nil
	}
	if err := mergeInto(b.lat, p.Histograms.Latency); err != nil {
		return err
	}
	return mergeInto(b.unc, p.Histograms.LatencyUncorrected)
}

// point is the merged interval ending at t.
func (b *bucket) point(t float64) report.Point {
	m := b.m
	if m["requests"] > 0 {
		m["error_rate"] = m["errors"] / m["requests"]
	}
	latMax, uncMax := m["latency.max"], m["latency_uncorrected.max"]
	delete(m, "latency.max")
	delete(m, "latency_uncorrected.max")
	if b.timed {
		loadgen.HistogramMetrics(m, "latency", b.lat, time.Duration(latMax*float64(time.Second)))
		if b.unc.TotalCount() > 0 {
			loadgen.HistogramMetrics(m, "latency_uncorrected", b.unc, time.Duration(uncMax*float64(time.Second)))
		}
	}
	return report.Point{T: t, Metrics: m, Bounds: b.bounds}
}
