package diagnose

import (
	"strings"
	"testing"

	"github.com/strain-dev/strain/report"
)

// healthyLoop is an asyncio service keeping up with its load: 200 req/s
// at 0.2 ms of the loop's CPU each, a loop lag of a millisecond.
func healthyLoop(t int) map[string]float64 {
	return map[string]float64{
		"throughput": 200, "latency.p50": 0.002, "latency.p99": 0.005, "inflight": 2, "concurrency": 2,
		"error_rate": 0, "errors": 0, "oldest_inflight": 0.003,
		"target.cpu": 4, "target.sched_latency.p99": 0.001, "target.tasks": 5,
		"target.memory": 30 << 20, "target.gc_pause.p99": 0.0003,
	}
}

// A loop kept busy by its handlers' CPU-bound work is starved by them,
// from the start of the run and at the CPU per request it always had:
// its one core cannot be added to. A loop as busy with light requests is
// at its capacity, and a loop with heavy handlers and room to spare is
// healthy.
func TestLoopBusyInItsHandlers(t *testing.T) {
	tests := []struct {
		name              string
		cpu, thr, lag     float64
		from              int // the second the handlers turn heavy (0: from the start)
		starved           bool
		perRequest, where string
	}{
		{"CPU-bound handlers from the start", 92, 200, 0.05, 0, true, "4.60ms of it per request", "from 0s to 30.0s"},
		{"CPU-bound handlers from 10s", 92, 200, 0.05, 10, true, "4.60ms of it per request", "from 10.0s to 30.0s"},
		{"light requests at capacity", 97, 20000, 0.015, 10, false, "", ""},
		{"CPU-bound handlers with room", 50, 100, 0.006, 10, false, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := Diagnose(Input{Targets: oneTarget, Load: true, Runtimes: map[string]string{"target": "python"}, Series: series(30, func(s int) map[string]float64 {
				m := healthyLoop(s)
				if s > tt.from {
					m["target.cpu"], m["throughput"], m["target.sched_latency.p99"] = tt.cpu, tt.thr, tt.lag
				}
				return m
			})})
			got := problems(fs)
			f, ok := got[report.Starvation]
			if ok != tt.starved || len(got) > 1 {
				t.Fatalf("found %v, want starvation %v alone: %+v", kindsOf(got), tt.starved, fs)
			}
			if !ok {
				return
			}
			if !strings.Contains(f.Summary, tt.perRequest+": CPU-bound work in its handlers holds the loop") || !strings.Contains(f.Summary, tt.where) {
				t.Errorf("summary %q, want %q and %q", f.Summary, tt.perRequest, tt.where)
			}
			if !strings.Contains(f.Next, "ProcessPoolExecutor") {
				t.Errorf("next %q: want Python's advice", f.Next)
			}
		})
	}
}
