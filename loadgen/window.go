package loadgen

import (
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// Histogram bounds: 1 µs to 1 h at 3 significant digits, in nanoseconds.
const (
	histMin    = int64(time.Microsecond)
	histMax    = int64(time.Hour)
	histDigits = 3
)

func newHistogram() *hdr.Histogram { return hdr.New(histMin, histMax, histDigits) }

// Counts is what a stretch of the run did: how many requests completed, how
// they failed, and their latencies.
type Counts struct {
	Requests int64 // completed requests, failed ones included
	Errors   int64 // completed requests that failed
	BytesIn  int64 // response body bytes
	BytesOut int64 // request body bytes
	Messages int64 // response messages of gRPC calls; zero otherwise
	Status   map[int]int64
	Kinds    map[string]int64 // failures by kind
	// Latency holds every response's latency in nanoseconds, measured from
	// the intended start (open model) or the send (closed model). Requests
	// that got no response (refused, timeout…) are counted, not timed.
	Latency *hdr.Histogram
	// Uncorrected measures from the actual send; it equals Latency in the
	// closed model.
	Uncorrected *hdr.Histogram
	MaxLatency  time.Duration // exact, where the histogram rounds
	MaxUncorr   time.Duration
}

// Window is one interval of the run, as the engine hands it out.
type Window struct {
	Counts
	Start, End     time.Duration // since the run started
	Inflight       int64         // requests in flight at End
	OldestInflight time.Duration // how long the oldest of them had been waiting at End
	Level          float64       // concurrency or rate being asked for at End
	Dropped        int64         // open model: scheduled requests never started
	Late           int64         // open model: requests started late
}

// Seconds is the window's length in seconds.
func (w *Window) Seconds() float64 { return (w.End - w.Start).Seconds() }

func newCounts() Counts {
	return Counts{Status: map[int]int64{}, Kinds: map[string]int64{}, Latency: newHistogram(), Uncorrected: newHistogram()}
}

// NewCounts returns empty counts, ready to Add windows into.
func NewCounts() Counts { return newCounts() }

// Add merges o into c: counts add, histograms merge exactly, maxima are
// the larger. Windows of one run (or of several) add up to their span's.
func (c *Counts) Add(o *Counts) {
	c.Requests += o.Requests
	c.Errors += o.Errors
	c.BytesIn += o.BytesIn
	c.BytesOut += o.BytesOut
	c.Messages += o.Messages
	for k, v := range o.Status {
		c.Status[k] += v
	}
	for k, v := range o.Kinds {
		c.Kinds[k] += v
	}
	c.Latency.Merge(o.Latency)
	c.Uncorrected.Merge(o.Uncorrected)
	c.MaxLatency = max(c.MaxLatency, o.MaxLatency)
	c.MaxUncorr = max(c.MaxUncorr, o.MaxUncorr)
}

// Quantiles named in metrics, as metric suffix and percentile.
var quantiles = []struct {
	name string
	pct  float64
}{{"p50", 50}, {"p90", 90}, {"p95", 95}, {"p99", 99}, {"p999", 99.9}}

// latencyMetrics puts prefix.p50…p999, .max and .mean (seconds) in m; nothing
// when no response was timed, so "no data" stays distinct from zero.
func latencyMetrics(m map[string]float64, prefix string, h *hdr.Histogram, exactMax time.Duration) {
	if h.TotalCount() == 0 {
		return
	}
	// A histogram's value is its bucket's top, which can pass the exact
	// maximum; no statistic is above the max.
	top := exactMax.Seconds()
	for _, q := range quantiles {
		m[prefix+"."+q.name] = min(float64(h.ValueAtQuantile(q.pct))/1e9, top)
	}
	m[prefix+".max"] = top
	m[prefix+".mean"] = min(h.Mean()/1e9, top)
}

// metrics names the counts with PRODUCT.md's load metric names over a span
// of secs seconds.
func (c *Counts) metrics(secs float64, open bool) map[string]float64 {
	m := map[string]float64{
		"requests":  float64(c.Requests),
		"errors":    float64(c.Errors),
		"bytes_in":  float64(c.BytesIn),
		"bytes_out": float64(c.BytesOut),
	}
	if c.Requests > 0 {
		m["error_rate"] = float64(c.Errors) / float64(c.Requests)
	}
	if c.Messages > 0 {
		m["messages"] = float64(c.Messages)
	}
	if secs > 0 {
		m["throughput"] = float64(c.Requests) / secs
	}
	latencyMetrics(m, "latency", c.Latency, c.MaxLatency)
	if open {
		latencyMetrics(m, "latency_uncorrected", c.Uncorrected, c.MaxUncorr)
	}
	return m
}

// Metrics names the window's figures with PRODUCT.md's metric names.
func (w *Window) Metrics(open bool) map[string]float64 {
	m := w.metrics(w.Seconds(), open)
	m["inflight"] = float64(w.Inflight)
	m["oldest_inflight"] = w.OldestInflight.Seconds()
	if open {
		m["dropped"] = float64(w.Dropped)
		m["late"] = float64(w.Late)
	}
	return m
}
