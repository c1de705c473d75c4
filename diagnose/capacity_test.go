package diagnose

import (
	"strings"
	"testing"

	"github.com/strain-dev/strain/metric"
	"github.com/strain-dev/strain/report"
)

func TestBound(t *testing.T) {
	latency := report.Bound{SLO: "latency.p99 < 20ms", Metric: "latency.p99", Rate: 27_700, Value: 0.031}
	errs := report.Bound{SLO: "error_rate < 1%", Metric: "error_rate", Rate: 27_700, Value: 0.02}
	one := []Target{{Name: "caddy", Scope: metric.OneTarget}}
	// Four measured points of a step that began 30s into the search.
	step := func(cpu, cores float64) []report.Point {
		var out []report.Point
		for i := range 4 {
			out = append(out, report.Point{T: 31 + float64(i), Metrics: map[string]float64{
				"target.cpu": cpu, "target.gomaxprocs": cores, "latency.p99": 0.031}})
		}
		return out
	}
	for _, tc := range []struct {
		name  string
		in    Input
		bound report.Bound
		want  bool
	}{
		{"CPU at its cores, latency bound", Input{Series: step(790, 8), Targets: one}, latency, true},
		{"CPU at its cores, throughput bound", Input{Series: step(195, 2), Targets: one},
			report.Bound{SLO: "throughput >= 950 req/s (95% of the rate)", Metric: "throughput", Rate: 1000, Value: 900}, true},
		{"CPU well below its cores", Input{Series: step(300, 8), Targets: one}, latency, false},
		{"CPU at its cores at the end", Input{Series: append(step(300, 8), report.Point{T: 35, Metrics: map[string]float64{"target.cpu": 780, "target.gomaxprocs": 8}}), Targets: one}, latency, true},
		{"errors bound", Input{Series: step(790, 8), Targets: one}, errs, false},
		{"no CPU", Input{Series: series(4, func(int) map[string]float64 { return map[string]float64{"latency.p99": 0.031} }), Targets: one}, latency, false},
		{"cores from the process's limit", Input{Series: series(4, func(int) map[string]float64 { return map[string]float64{"target.cpu": 390, "target.cpu_limit": 400} }), Targets: one}, latency, true},
		{"cores unknown: no share claimed", Input{Series: series(4, func(int) map[string]float64 { return map[string]float64{"target.cpu": 390} }), Targets: one}, latency, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs := Bound(tc.in, tc.bound)
			if got := len(fs) == 1; got != tc.want {
				t.Fatalf("findings %+v, want one: %v", fs, tc.want)
			}
			if !tc.want {
				return
			}
			f := fs[0]
			if f.Kind != report.Saturation || f.Target != "caddy" || len(f.Evidence) == 0 || f.Evidence[0].Metric != "target.cpu" {
				t.Errorf("finding %+v, want caddy's saturation with its CPU as evidence", f)
			}
			if first := tc.in.Series[0].T; f.Start != first-1 || f.End != tc.in.Series[len(tc.in.Series)-1].T {
				t.Errorf("span %g–%g, want the measured part's, %g–%g", f.Start, f.End, first-1, tc.in.Series[len(tc.in.Series)-1].T)
			}
			if !strings.Contains(f.Summary, "bound by CPU") || !strings.Contains(f.Next, "CPU profile") {
				t.Errorf("summary %q, next %q", f.Summary, f.Next)
			}
		})
	}
}
