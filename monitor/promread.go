package monitor

// What a parsed scrape gives: the figures read as they are (gauges, a
// summary's quantiles) and those that compare it with the previous scrape
// (rates, histogram quantiles), under strain's names.

import (
	"fmt"
	"math"

	dto "github.com/prometheus/client_model/go"
	"github.com/strain-dev/strain/metric"
	"github.com/strain-dev/strain/vitals"
)

// differences adds the metrics that compare this scrape with the previous
// one: rates and histogram quantiles over the interval.
func (p *prom) differences(m Metrics, fams map[string]*dto.MetricFamily, prev, cur *promState) {
	if v, ok := promRate(prev, cur, promCPU); ok {
		m["cpu"] = v * 100
	}
	p.gc(m, prev, cur)
	if v, ok := promRate(prev, cur, promAllocated); ok {
		m["alloc_rate"] = v
	}
	if h, ok := promDelta(prev, cur, promSchedLatency); ok {
		p.quantile(m, "sched_latency.p50", h, 0.5)
		p.quantile(m, "sched_latency.p99", h, 0.99)
		p.maximum(m, "sched_latency.max", h)
	}
	if h, ok := promDelta(prev, cur, promGCPauses); ok {
		p.quantile(m, "gc_pause.p99", h, 0.99)
	}
	if h, ok := promDelta(prev, cur, promNodeGC); ok {
		p.quantile(m, "gc_pause.p99", h, 0.99)
		if secs := cur.at.Sub(prev.at).Seconds(); secs > 0 {
			m["gc_rate"] = float64(h.Count()) / secs
		}
	}
	for _, name := range p.series {
		mf := fams[name]
		switch {
		case mf == nil:
			// A nil family reads as a counter; this one is absent.
		case mf.GetType() == dto.MetricType_COUNTER:
			if v, ok := promRate(prev, cur, name); ok {
				m[name] = v
			}
		case mf.GetType() == dto.MetricType_HISTOGRAM:
			if h, ok := promDelta(prev, cur, name); ok {
				p.quantile(m, name+".p50", h, 0.5)
				p.quantile(m, name+".p99", h, 0.99)
			}
		}
	}
}

// gc adds what the default Go collector says of the GC over the interval:
// how many collections a second, their stop-the-world pauses' mean (the
// summary's sum and count are exact, its quantiles are of the last few
// hundred pauses, not of the interval), and, where the service exports the
// runtime's CPU classes, the GC's share of the CPU the process used.
func (p *prom) gc(m Metrics, prev, cur *promState) {
	count, ok1 := promRate(prev, cur, promGCDuration+"_count")
	sum, ok2 := promRate(prev, cur, promGCDuration+"_sum")
	if ok1 && ok2 {
		m["gc_rate"] = count
		if count > 0 {
			m["gc_pause.mean"] = sum / count
		}
	}
	gc, ok1 := promRate(prev, cur, promGCCPU)
	used, ok2 := promRate(prev, cur, promCPU)
	if ok1 && ok2 && used > 0 {
		m["gc_cpu"] = min(gc/used, 1)
	}
}

// quantile puts h's q-quantile in m as key, interpolated as
// histogram_quantile does, and the edges of the bucket that holds it as
// its bounds: a p99 of 113ms from a bucket of 10.5–117ms is that range,
// not three significant figures.
func (p *prom) quantile(m Metrics, key string, h vitals.Histogram, q float64) {
	v, ok := h.Quantile(q)
	if !ok {
		return
	}
	m[key] = v
	if b, ok := h.BucketOf(q); ok {
		p.bounds[key] = bucketBounds(b)
	}
}

// bucketBounds are where a value in bucket b lies. The +Inf bucket is
// closed at its lower edge to interpolate in (promHistogram): a value in
// it is at least that, with no bound above.
func bucketBounds(b vitals.Bucket) metric.Bounds {
	if b.Hi == b.Lo {
		return metric.Bounds{Lo: b.Lo, Hi: math.Inf(1)}
	}
	return metric.Bounds{Lo: b.Lo, Hi: b.Hi}
}

// maximum puts h's highest value in m as key: the top of its highest
// non-empty bucket, bounded by that bucket.
func (p *prom) maximum(m Metrics, key string, h vitals.Histogram) {
	if len(h.Buckets) == 0 {
		return
	}
	b := h.Buckets[len(h.Buckets)-1]
	m[key], p.bounds[key] = b.Hi, bucketBounds(b)
}

// readGauges adds the metrics read as they are.
func (p *prom) readGauges(m Metrics, fams map[string]*dto.MetricFamily) {
	for _, g := range promGauges {
		for _, name := range g.from {
			if v, ok := p.gauge(fams[name]); ok {
				m[g.metric] = v
				break
			}
		}
	}
	for _, name := range promTasks {
		if v, ok := p.gauge(fams[name]); ok {
			m["tasks"] += v
		}
	}
	if v, ok := m["goroutines"]; ok {
		m["tasks"] = v // Go's tasks are its goroutines
	}
}

// readGauge adds a user's gauge (or untyped) family as its name.
func (p *prom) readGauge(m Metrics, mf *dto.MetricFamily) {
	if t := mf.GetType(); t != dto.MetricType_GAUGE && t != dto.MetricType_UNTYPED {
		return
	}
	if v, ok := p.gauge(mf); ok {
		m[mf.GetName()] = v
	}
}

// gauge is a gauge (or untyped) family's value: with several label sets
// (two instances through /federate, a gauge by handler), the largest,
// never their sum, which would mean nothing; a note says so, and how to
// pick one. A counter family's label sets add up, as rates do.
func (p *prom) gauge(mf *dto.MetricFamily) (float64, bool) {
	if t := mf.GetType(); t != dto.MetricType_GAUGE && t != dto.MetricType_UNTYPED {
		return promSum(mf)
	}
	sets := mf.GetMetric()
	if len(sets) == 0 {
		return 0, false
	}
	top := math.Inf(-1)
	for _, s := range sets {
		top = max(top, s.GetGauge().GetValue()+s.GetUntyped().GetValue())
	}
	if len(sets) > 1 {
		p.notes = append(p.notes, fmt.Sprintf("%s has %d label sets: showing the largest; pick one with #%s{label=\"value\"}",
			mf.GetName(), len(sets), mf.GetName()))
	}
	return top, true
}

// selectLabels keeps, of each family with a selector, the label sets it
// matches.
func (p *prom) selectLabels(fams map[string]*dto.MetricFamily) {
	for name, sel := range p.selectors {
		mf := fams[name]
		if mf == nil {
			continue
		}
		kept := mf.Metric[:0]
		for _, s := range mf.Metric {
			if sel.Matches(s.GetLabel()) {
				kept = append(kept, s)
			}
		}
		mf.Metric = kept
		if len(kept) == 0 {
			delete(fams, name)
		}
	}
}

// promReadSummary adds a user's summary family as NAME.p50 and NAME.p99.
// Quantiles of different label sets cannot be added up, so it takes the
// worst: the one an alert should see.
func promReadSummary(m Metrics, mf *dto.MetricFamily) {
	if mf.GetType() != dto.MetricType_SUMMARY {
		return
	}
	for _, s := range mf.GetMetric() {
		for _, q := range s.GetSummary().GetQuantile() {
			key := ""
			switch q.GetQuantile() {
			case 0.5:
				key = mf.GetName() + ".p50"
			case 0.99:
				key = mf.GetName() + ".p99"
			default:
				continue
			}
			if v, ok := m[key]; !ok || q.GetValue() > v {
				m[key] = q.GetValue()
			}
		}
	}
}

// promSum is the sum of a gauge, untyped or counter family over its label
// sets; ok is false for a missing family or one of another type.
func promSum(mf *dto.MetricFamily) (sum float64, ok bool) {
	for _, s := range mf.GetMetric() {
		switch mf.GetType() {
		case dto.MetricType_GAUGE:
			sum += s.GetGauge().GetValue()
		case dto.MetricType_UNTYPED:
			sum += s.GetUntyped().GetValue()
		case dto.MetricType_COUNTER:
			sum += s.GetCounter().GetValue()
		default:
			return 0, false
		}
		ok = true
	}
	return sum, ok
}
