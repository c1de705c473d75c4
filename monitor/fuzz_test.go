package monitor

import (
	"bytes"
	"math"
	"strings"
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
// error, never a panic, and the delta of two answers is safe too: finite,
// under names fit to print, a bounded number of them.
func FuzzVitalsBody(f *testing.F) {
	f.Add([]byte(`{"time":"2026-11-21T12:00:00Z","gomaxprocs":2,"goroutines":8,"sched_latency":{"buckets":[{"lo":0,"hi":1e-6,"n":5},{"lo":1e-6,"hi":2e-6,"n":1}]}}`))
	f.Add([]byte(`{"sched_latency":{"buckets":[{"lo":1,"hi":0,"n":18446744073709551615}]}}`))
	f.Add([]byte(`{"goroutines":-1}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`{"goroutines_by_state":{"\u001b[2J":1,"a b":2,"running":3},"sched_latency":{"buckets":[{"lo":-1.7e308,"hi":1.7e308,"n":3}]}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := decodeVitals(bytes.NewReader(body))
		if err != nil {
			return
		}
		prev := r
		prev.SchedLatency = vitals.Histogram{}
		m, _ := vitalsMetrics(&prev, &r)
		if len(m) > 16+maxStates {
			t.Errorf("%d metrics from one reading", len(m))
		}
		for k, v := range m {
			if !validName(k) {
				t.Errorf("metric name %q", k)
			}
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Errorf("%s = %v, want finite", k, v)
			}
		}
	})
}

// FuzzPprofHeader: whatever a goroutine profile's URL answers, its count
// reads as a number of goroutines or an error, never a panic, and an error
// quotes a bounded, escaped piece of the body.
func FuzzPprofHeader(f *testing.F) {
	f.Add([]byte("goroutine profile: total 42\n1 @ 0x1\n#\t0x1\tmain.main+0x1\tmain.go:1\n"))
	f.Add([]byte("goroutine profile: total 18446744073709551616\n"))
	f.Add([]byte("goroutine profile: total -1\n"))
	f.Add([]byte("goroutine profile: total 7"))
	f.Add([]byte("\x1b[2J\x1b]0;pwned\a\n"))
	f.Add([]byte(strings.Repeat("goroutine ", 100)))
	f.Fuzz(func(t *testing.T, body []byte) {
		n, err := pprofReadHeader(bytes.NewReader(body))
		if err != nil {
			if len(err.Error()) > 4*pprofHeaderLimit+64 {
				t.Errorf("error is %d bytes long", len(err.Error()))
			}
			if strings.ContainsFunc(err.Error(), func(r rune) bool { return r < 0x20 || r == 0x7f }) {
				t.Errorf("error %q holds a control character", err)
			}
			return
		}
		if n < 0 {
			t.Errorf("count %d", n)
		}
	})
}
