package monitor

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	"github.com/strain-dev/strain/vitals"
)

// maxVitalsBody caps a runtime endpoint's answer; a real one is a few KiB.
const maxVitalsBody = 1 << 20

// vitalsSource turns successive runtime readings into an interval's
// metrics: gauges as they are, histograms and counters as deltas from the
// previous reading.
type vitalsSource struct {
	name string
	read func(ctx context.Context) (vitals.Reading, error)
	prev *vitals.Reading
}

// NewSelf watches strain's own runtime, read in-process.
func NewSelf() Source {
	return &vitalsSource{name: "runtime", read: func(context.Context) (vitals.Reading, error) { return vitals.Read(), nil }}
}

// NewVitals watches a service's runtime through strain's runtime endpoint
// (package vitals) at url.
func NewVitals(url string, client *http.Client) Source {
	return &vitalsSource{name: "vitals:" + url, read: func(ctx context.Context) (vitals.Reading, error) {
		return fetchVitals(ctx, client, url)
	}}
}

func (s *vitalsSource) Name() string { return s.name }

func (s *vitalsSource) Sample(ctx context.Context) (Metrics, error) {
	cur, err := s.read(ctx)
	if err != nil {
		return nil, err
	}
	m := vitalsMetrics(s.prev, &cur)
	s.prev = &cur
	return m, nil
}

// vitalsMetrics names a reading's figures; those over an interval need a
// previous reading.
func vitalsMetrics(prev, cur *vitals.Reading) Metrics {
	m := Metrics{
		"goroutines": float64(cur.Goroutines),
		"threads":    float64(cur.Threads),
		"heap":       float64(cur.HeapObjectsBytes),
		"memory":     float64(cur.TotalMemoryBytes),
		"gomaxprocs": float64(cur.GOMAXPROCS),
	}
	for state, n := range cur.GoroutinesByState {
		m["goroutines."+state] = float64(n)
	}
	if prev == nil {
		return m
	}
	sched := cur.SchedLatency.Sub(prev.SchedLatency)
	putQuantiles(m, "sched_latency", sched, map[string]float64{"p50": 0.5, "p99": 0.99})
	putQuantiles(m, "gc_pause", cur.GCPauses.Sub(prev.GCPauses), map[string]float64{"p99": 0.99})
	if secs := cur.Time.Sub(prev.Time).Seconds(); secs > 0 {
		m["mutex_wait"] = max(cur.MutexWaitSeconds-prev.MutexWaitSeconds, 0) / secs
		m["gc_rate"] = float64(max(cur.GCCycles-prev.GCCycles, 0)) / secs
	}
	return m
}

// putQuantiles puts NAME.pXX and NAME.max of h in m, when h has values.
func putQuantiles(m Metrics, name string, h vitals.Histogram, qs map[string]float64) {
	for suffix, q := range qs {
		if v, ok := h.Quantile(q); ok {
			m[name+"."+suffix] = v
		}
	}
	if v, ok := h.Max(); ok {
		m[name+".max"] = v
	}
}

func fetchVitals(ctx context.Context, client *http.Client, url string) (vitals.Reading, error) {
	var r vitals.Reading
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return r, fmt.Errorf("read vitals %s: %w", url, err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return r, fmt.Errorf("read vitals: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return r, fmt.Errorf("read vitals %s: status %s", url, resp.Status)
	}
	if r, err = decodeVitals(resp.Body); err != nil {
		return r, fmt.Errorf("read vitals %s: %w", url, err)
	}
	return r, nil
}

// decodeVitals reads a runtime endpoint's answer, at most maxVitalsBody.
func decodeVitals(body io.Reader) (vitals.Reading, error) {
	var r vitals.Reading
	err := json.NewDecoder(io.LimitReader(body, maxVitalsBody)).Decode(&r)
	return r, err
}
