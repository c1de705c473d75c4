package monitor

import (
	"bytes"
	"math"
	"testing"

	"github.com/strain-dev/strain/vitals"
)

// FuzzParseSpec: a --watch SPEC parses or is an error, never a panic; a
// parsed one always has a name and at least one source.
func FuzzParseSpec(f *testing.F) {
	for _, s := range []string{
		"http://127.0.0.1:8080", "api=http://127.0.0.1:8080,pid:4242",
		"node=prom:http://127.0.0.1:9229/metrics#nodejs_eventloop_lag_seconds,heap,pid:7",
		"pprof:http://[::1]:6060/debug/pprof/", "pid:1,pid:2",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		spec, err := ParseSpec(s)
		if err != nil {
			return
		}
		if spec.Name == "" || len(spec.Bases)+len(spec.Pids)+len(spec.Proms)+len(spec.Pprof) == 0 {
			t.Errorf("ParseSpec(%q) = %+v: no name or no source", s, spec)
		}
	})
}

// FuzzVitalsBody: whatever a runtime endpoint answers decodes or is an
// error, never a panic, and the delta of two answers is safe too.
func FuzzVitalsBody(f *testing.F) {
	f.Add([]byte(`{"time":"2026-11-21T12:00:00Z","gomaxprocs":2,"goroutines":8,"sched_latency":{"buckets":[{"lo":0,"hi":1e-6,"n":5},{"lo":1e-6,"hi":2e-6,"n":1}]}}`))
	f.Add([]byte(`{"sched_latency":{"buckets":[{"lo":1,"hi":0,"n":18446744073709551615}]}}`))
	f.Add([]byte(`{"goroutines":-1}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := decodeVitals(bytes.NewReader(body))
		if err != nil {
			return
		}
		prev := r
		prev.SchedLatency = vitals.Histogram{}
		for k, v := range vitalsMetrics(&prev, &r) {
			if math.IsNaN(v) {
				t.Errorf("%s is NaN", k)
			}
		}
	})
}
