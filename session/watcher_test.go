package session

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/strain-dev/strain/report"
)

func TestSaturationWarning(t *testing.T) {
	cores := float64(runtime.GOMAXPROCS(0))
	tests := []struct {
		name   string
		points []map[string]float64
		want   string // in the warning; "" for none
	}{
		{"healthy", []map[string]float64{{"self.sched_latency.p99": 0.0002, "self.cpu": 40}}, ""},
		{"starved scheduler", []map[string]float64{{"self.sched_latency.p99": 0.0002}, {"self.sched_latency.p99": 0.025}}, "in 1 of 2 intervals"},
		{"cpu bound", []map[string]float64{{"self.cpu": 95 * cores}}, "self.cpu up to"},
		{"no self data", []map[string]float64{{"requests": 10}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var series []report.Point
			for i, m := range tt.points {
				series = append(series, report.Point{T: float64(i + 1), Metrics: m})
			}
			got, _ := saturation(series)
			if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
				t.Errorf("saturation = %q, want %q", got, tt.want)
			}
		})
	}
}

// A report says strain's own saturation once: as diagnosis' finding,
// with the hint on cores, when diagnosis made one; else as a warning.
func TestSaturationSaidOnce(t *testing.T) {
	const warn, hint = "generator saturated in 3 of 4 intervals", "it used 1 of 2 cores (--procs 2 gives it more)"
	found := &report.Report{Findings: []report.Finding{{Kind: report.Stall}, {Kind: report.GeneratorSaturated, Next: "Give strain more cores."}}}
	sayOnce(found, warn, hint)
	if len(found.Warnings) != 0 || !strings.HasSuffix(found.Findings[1].Next, "Here "+hint+".") || found.Findings[0].Next != "" {
		t.Errorf("with a finding: warnings %q, finding next %q", found.Warnings, found.Findings[1].Next)
	}
	none := &report.Report{Findings: []report.Finding{{Kind: report.Stall}}}
	sayOnce(none, warn, hint)
	if len(none.Warnings) != 1 || none.Warnings[0] != warn {
		t.Errorf("without a finding: warnings %q, want the one warning", none.Warnings)
	}
	healthy := &report.Report{}
	sayOnce(healthy, "", "")
	if len(healthy.Warnings) != 0 {
		t.Errorf("healthy: warnings %q", healthy.Warnings)
	}
}

func TestGrowthIsTheSlopeOverTheWindow(t *testing.T) {
	g := newGrowth(0)
	start := time.Unix(0, 0)
	var last float64
	for i := 0; i <= 30; i++ {
		v, ok := g.add("target.goroutines", start.Add(time.Duration(i)*time.Second), float64(100+20*i))
		if ok != (i >= 5) {
			t.Fatalf("at %ds: growth present = %v", i, ok)
		}
		last = v
	}
	if last != 20 {
		t.Errorf("growth = %v, want 20/s", last)
	}
	if n := len(g.history["target.goroutines"]); n > 12 {
		t.Errorf("history holds %d samples, want about a window's", n)
	}
}

// A target whose error text changes every interval adds a bounded number
// of warnings, and the last says that more were left out.
func TestWarningsAreBounded(t *testing.T) {
	var log strings.Builder
	w := &watcher{warned: map[string]bool{}, log: &log}
	for i := range 3 * maxWarnings {
		w.warn(fmt.Sprintf("source failed: error %d", i))
	}
	if n := len(w.warned); n != maxWarnings+1 {
		t.Errorf("%d warnings kept, want %d", n, maxWarnings+1)
	}
	if got := strings.Count(log.String(), "\n"); got != maxWarnings+1 || !strings.Contains(log.String(), moreWarnings) {
		t.Errorf("%d lines logged:\n%s", got, log.String())
	}
}
