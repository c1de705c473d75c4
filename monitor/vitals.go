package monitor

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"net/http"
	"slices"

	"github.com/strain-dev/strain/internal/safe"
	"github.com/strain-dev/strain/vitals"
)

// maxVitalsBody caps a runtime endpoint's answer; a real one is a few KiB.
const maxVitalsBody = 1 << 20

// maxStates bounds the goroutine states a reading adds as metrics: the
// runtime has four, and a map of thousands is a hostile or broken target.
const maxStates = 16

// vitalsSource turns successive runtime readings into an interval's
// metrics: gauges as they are, histograms and counters as deltas from the
// previous reading.
type vitalsSource struct {
	name  string
	read  func(ctx context.Context) (vitals.Reading, error)
	prev  *vitals.Reading
	notes []string // what the last reading left out
}

var _ Warner = (*vitalsSource)(nil)

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

// Runtime is what the last reading says the target runs: "go" when it
// names none, as strain's endpoint served before it said.
func (s *vitalsSource) Runtime() string {
	if s.prev == nil {
		return ""
	}
	if goRuntime(s.prev) {
		return "go"
	}
	return s.prev.Runtime
}

func (s *vitalsSource) Sample(ctx context.Context) (Metrics, error) {
	cur, err := s.read(ctx)
	if err != nil {
		return nil, err
	}
	m, notes := vitalsMetrics(s.prev, &cur)
	s.prev, s.notes = &cur, notes
	return m, nil
}

// Warnings says what the last reading left out.
func (s *vitalsSource) Warnings() []string { return s.notes }

// vitalsMetrics names a reading's figures; those over an interval need a
// previous reading. The notes say what of the reading it left out.
func vitalsMetrics(prev, cur *vitals.Reading) (Metrics, []string) {
	m := Metrics{}
	if cur.Threads > 0 { // an agent that cannot count them leaves them out
		m["threads"] = float64(cur.Threads)
	}
	if cur.TotalMemoryBytes > 0 { // an agent that cannot read it leaves it out: no process holds none
		m["memory"] = float64(cur.TotalMemoryBytes)
	}
	var notes []string
	if goRuntime(cur) {
		m["goroutines"], m["tasks"] = float64(cur.Goroutines), float64(cur.Goroutines)
		m["heap"], m["gomaxprocs"] = float64(cur.HeapObjectsBytes), float64(cur.GOMAXPROCS)
		notes = putStates(m, cur.GoroutinesByState)
	} else {
		m["tasks"] = float64(cur.Tasks)
		if cur.HeapObjectsBytes > 0 { // the Node agent's used heap; Python's has none
			m["heap"] = float64(cur.HeapObjectsBytes)
		}
	}
	if prev == nil {
		return m, notes
	}
	sched := cur.SchedLatency.Sub(prev.SchedLatency)
	putQuantiles(m, "sched_latency", sched, map[string]float64{"p50": 0.5, "p99": 0.99})
	putQuantiles(m, "gc_pause", cur.GCPauses.Sub(prev.GCPauses), map[string]float64{"p99": 0.99})
	if secs := cur.Time.Sub(prev.Time).Seconds(); secs > 0 {
		if goRuntime(cur) {
			m["mutex_wait"] = max(cur.MutexWaitSeconds-prev.MutexWaitSeconds, 0) / secs
		}
		m["gc_rate"] = float64(max(cur.GCCycles-prev.GCCycles, 0)) / secs
		if cur.ProcessCPUSeconds > 0 && prev.ProcessCPUSeconds > 0 {
			m["cpu"] = max(cur.ProcessCPUSeconds-prev.ProcessCPUSeconds, 0) / secs * 100
		}
	}
	if used := cur.UsedCPUSeconds - prev.UsedCPUSeconds; used > 0 {
		m["gc_cpu"] = min(max(cur.GCCPUSeconds-prev.GCCPUSeconds, 0)/used, 1)
	}
	// Buckets at ±1.7e308 make a quantile of Inf or NaN, which no report
	// can hold (JSON has neither) and no chart can draw.
	for k, v := range m {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			delete(m, k)
		}
	}
	return m, notes
}

// goRuntime reports whether r is a Go runtime's: a reading that names no
// runtime is, as strain's endpoint served before it said.
func goRuntime(r *vitals.Reading) bool { return r.Runtime == "" || r.Runtime == "go" }

// putStates adds goroutines.STATE for each state: those whose names make
// a metric name, at most maxStates, the first by name.
func putStates(m Metrics, states map[string]int64) (notes []string) {
	names := slices.Sorted(maps.Keys(states))
	valid := names[:0]
	for _, st := range names {
		if validName("goroutines." + st) {
			valid = append(valid, st)
		}
	}
	if len(valid) < len(names) {
		notes = append(notes, "goroutines_by_state: left out states whose names are not letters, digits or _.-")
	}
	if len(valid) > maxStates {
		valid = valid[:maxStates]
		notes = append(notes, fmt.Sprintf("goroutines_by_state: more than %d states: kept the first %d by name", maxStates, maxStates))
	}
	for _, st := range valid {
		m["goroutines."+st] = float64(states[st])
	}
	return notes
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
		return r, fmt.Errorf("read vitals %s: status %s", url, safe.Line(resp.Status, maxStatusLen))
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
