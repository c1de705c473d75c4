package session

import (
	"strings"
	"testing"
	"time"

	"github.com/strain-dev/strain/alert"
	"github.com/strain-dev/strain/metric"
)

// step is one point the abort watch is shown: at seconds since the start,
// the live metrics, and whether the watch must call for an abort.
type step struct {
	at      float64
	metrics map[string]float64
	abort   bool
}

// The abort watch is a pure function of the times and metrics it is given,
// so each case is a timeline fed to it: no clock, no run.
func TestAbortWatch(t *testing.T) {
	const after = 3 * time.Second
	m := func(name string, v float64) map[string]float64 { return map[string]float64{name: v} }
	tests := []struct {
		name  string
		gate  string
		after time.Duration
		steps []step
	}{
		{
			// A max above an upper bound can only stay there: one breach decides.
			name: "max gate breached once aborts at once", gate: "latency.max < 1s", after: after,
			steps: []step{
				{0, m("latency.max", 0.2), false},
				{1, m("latency.max", 1.5), true},
			},
		},
		{
			name: "max gate held never aborts", gate: "latency.max < 1s", after: after,
			steps: []step{
				{0, m("latency.max", 0.9), false},
				{10, m("latency.max", 0.99), false},
			},
		},
		{
			// A total (requests) above an upper bound also only grows.
			name: "total above an upper bound aborts at once", gate: "errors < 5", after: after,
			steps: []step{
				{0, m("errors", 7), true},
			},
		},
		{
			// latency.p99 is a latency statistic, not a summary of a series:
			// one interval's p99 says little about the run's, so only a
			// breach that lasts `after` aborts.
			name: "p99 gate aborts after a continued breach", gate: "latency.p99 < 10ms", after: after,
			steps: []step{
				{0, m("latency.p99", 0.005), false},
				{1, m("latency.p99", 0.050), false}, // the breach begins
				{2, m("latency.p99", 0.050), false},
				{3.9, m("latency.p99", 0.050), false},
				{4, m("latency.p99", 0.050), true}, // 3s on
			},
		},
		{
			name: "p99 breach that clears resets the clock", gate: "latency.p99 < 10ms", after: after,
			steps: []step{
				{1, m("latency.p99", 0.050), false}, // a breach begins
				{3, m("latency.p99", 0.050), false},
				{3.5, m("latency.p99", 0.002), false}, // and clears
				{4, m("latency.p99", 0.050), false},   // a new one begins: 3s from 1 is not 3s from 4
				{6.9, m("latency.p99", 0.050), false},
				{7, m("latency.p99", 0.050), true},
			},
		},
		{
			name: "p99 breach with zero after aborts at once", gate: "latency.p99 < 10ms", after: 0,
			steps: []step{
				{0, m("latency.p99", 0.050), true},
			},
		},
		{
			// A mean can come back down: it is judged on its series over time.
			name: "mean gate aborts after a continued breach", gate: "throughput.mean > 100", after: after,
			steps: []step{
				{0, m("throughput", 50), false},
				{2, m("throughput", 50), false},
				{3, m("throughput", 50), true},
			},
		},
		{
			name: "mean gate breach that clears resets the clock", gate: "throughput.mean > 100", after: after,
			steps: []step{
				{0, m("throughput", 50), false},
				{2, m("throughput", 150), false},
				{4, m("throughput", 50), false},
				{6, m("throughput", 50), false},
				{7, m("throughput", 50), true},
			},
		},
		{
			// A min below a lower bound can only stay there.
			name: "min gate for a lower bound aborts at once", gate: "throughput.min > 100", after: after,
			steps: []step{
				{0, m("throughput", 250), false},
				{1, m("throughput", 80), true},
			},
		},
		{
			// A min under an upper bound may still fall below it later.
			name: "min gate for an upper bound waits", gate: "throughput.min < 10", after: after,
			steps: []step{
				{0, m("throughput", 50), false},
				{2.5, m("throughput", 50), false},
				{3, m("throughput", 50), true},
			},
		},
		{
			name: "metric with no value never aborts", gate: "latency.max < 1s", after: 0,
			steps: []step{
				{0, map[string]float64{}, false},
				{1, m("requests", 100), false},
				{100, nil, false},
			},
		},
		{
			// A point without the metric ends a live breach: it is not
			// evidence that the breach went on.
			name: "missing value resets the clock", gate: "latency.p99 < 10ms", after: after,
			steps: []step{
				{0, m("latency.p99", 0.050), false},
				{2, m("requests", 10), false},
				{3, m("latency.p99", 0.050), false},
				{5.9, m("latency.p99", 0.050), false},
				{6, m("latency.p99", 0.050), true},
			},
		},
	}
	start := time.Unix(1_700_000_000, 0)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := alert.ParseGate(tt.gate, metric.NewCatalogue())
			if err != nil {
				t.Fatalf("ParseGate(%q): %v", tt.gate, err)
			}
			w := newAbortWatch([]*alert.Gate{g}, tt.after, metric.NewCatalogue())
			for _, s := range tt.steps {
				now := start.Add(time.Duration(s.at * float64(time.Second)))
				why := w.observe(now, s.metrics)
				if got := why != ""; got != s.abort {
					t.Fatalf("at %vs with %v: observe = %q, want abort %v", s.at, s.metrics, why, s.abort)
				}
				if s.abort && !strings.Contains(why, tt.gate) {
					t.Errorf("at %vs: observe = %q, want it to name the gate %q", s.at, why, tt.gate)
				}
			}
		})
	}
}

// Each gate keeps its own clock: one gate's breach clearing does not reset
// another's, and the first gate sure to fail is named.
func TestAbortWatchGatesIndependent(t *testing.T) {
	cat := metric.NewCatalogue()
	var gates []*alert.Gate
	for _, text := range []string{"latency.p99 < 10ms", "error_rate.mean < 1%"} {
		g, err := alert.ParseGate(text, cat)
		if err != nil {
			t.Fatalf("ParseGate(%q): %v", text, err)
		}
		gates = append(gates, g)
	}
	w := newAbortWatch(gates, 2*time.Second, cat)
	start := time.Unix(0, 0)
	steps := []step{
		{0, map[string]float64{"latency.p99": 0.05, "error_rate": 0.5}, false},
		{1, map[string]float64{"latency.p99": 0.001, "error_rate": 0.5}, false},
		{2, map[string]float64{"latency.p99": 0.05, "error_rate": 0.5}, true},
	}
	for _, s := range steps {
		why := w.observe(start.Add(time.Duration(s.at)*time.Second), s.metrics)
		if got := why != ""; got != s.abort {
			t.Fatalf("at %vs: observe = %q, want abort %v", s.at, why, s.abort)
		}
		if s.abort && !strings.Contains(why, "error_rate.mean") {
			t.Errorf("observe = %q, want the error-rate gate, whose breach lasted 2s", why)
		}
	}
}

// A session without gates has no watch; observe on it is a no-op.
func TestAbortWatchNil(t *testing.T) {
	var w *abortWatch
	if why := w.observe(time.Now(), map[string]float64{"latency.max": 100}); why != "" {
		t.Errorf("nil watch: observe = %q", why)
	}
}
