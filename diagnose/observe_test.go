package diagnose

import (
	"io"
	"net/http/httptest"
	"runtime"
	"runtime/trace"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/strain-dev/strain/profiles"
)

var garbage [][]byte

//go:noinline
func makeGarbage(n int) {
	for range n {
		garbage = append(garbage[:0], make([]byte, 256))
	}
}

// A target's allocations while it serves strain its metrics are strain's
// doing: the evidence names the service's own function, never expfmt's
// (issue 26: the demo's gc_pressure named expfmt.MetricFamilyToText).
func TestEvidenceLeavesStrainsLookingOut(t *testing.T) {
	old := runtime.MemProfileRate
	runtime.MemProfileRate = 1
	defer func() { runtime.MemProfileRate = old }()
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(collectors.WithGoCollectorRuntimeMetrics(collectors.MetricsAll)))
	srv := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	defer srv.Close()
	for range 50 {
		resp, err := srv.Client().Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		makeGarbage(20)
	}
	runtime.GC()
	pr := capture(t, "allocs")
	if !slices.ContainsFunc(pr.Sample, observing) {
		t.Fatal("the allocation profile has no sample of the scrape: the test proves nothing")
	}
	top := summary(pr, profiles.Allocs).top
	for _, line := range top {
		if strings.Contains(line, "expfmt") || strings.Contains(line, "promhttp") || strings.Contains(line, "prometheus") {
			t.Errorf("evidence %v names the scrape", top)
		}
	}
}

// The goroutines that write a trace window strain asked for are strain's
// doing, not the service's (the demo's blocking evidence named
// runtime/trace's multiplexer).
func TestTracingIsObserving(t *testing.T) {
	if err := trace.Start(io.Discard); err != nil {
		t.Skipf("a trace is already running: %v", err)
	}
	defer trace.Stop()
	pr := capture(t, "goroutine")
	traced := 0
	for _, s := range pr.Sample {
		if anyFrame(s, func(fn string) bool { return strings.HasPrefix(fn, "runtime/trace.") }) {
			traced++
			if !observing(s) {
				t.Errorf("a goroutine of runtime/trace is taken for the service's: %v", s.Location)
			}
		}
	}
	if traced == 0 {
		t.Fatal("no goroutine of runtime/trace in the dump while tracing: the test proves nothing")
	}
}
