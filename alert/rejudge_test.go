package alert

import (
	"testing"

	"github.com/strain-dev/strain/report"
)

func saved(passed bool, gates ...report.Gate) *report.Report {
	r := report.New()
	r.Summary = map[string]float64{"latency.p99": 0.05, "target[api].cpu.max": 90, "target[api].queue_depth.max": 7}
	r.Gates, r.Passed = gates, passed
	return r
}

// Gates judged again replace the saved ones, keep the regression checks,
// and an aborted run stays failed.
func TestRejudge(t *testing.T) {
	failedGate := report.Gate{Expr: "latency.p99 < 10ms", Kind: "gate"}
	heldRegression := report.Gate{Expr: "latency.p99 <= +10%", Kind: "regression", Pass: true}
	failedRegression := report.Gate{Expr: "throughput >= -5%", Kind: "regression"}
	for _, tc := range []struct {
		name  string
		rep   *report.Report
		gates []string
		want  bool
		n     int
	}{
		{"a failed gate replaced by one that holds", saved(false, failedGate), []string{"latency.p99 < 100ms"}, true, 1},
		{"a passed run failed by a new gate", saved(true), []string{"latency.p99 < 10ms"}, false, 1},
		{"regression checks stay", saved(false, failedGate, heldRegression), []string{"latency.p99 < 100ms"}, true, 2},
		{"a failed regression still fails", saved(false, failedRegression), []string{"latency.p99 < 100ms"}, false, 2},
		{"an aborted run stays failed", saved(false), []string{"latency.p99 < 100ms"}, false, 1},
		{"a named target's metric and a picked series", saved(true), []string{"target[api].cpu.max < 95", "target[api].queue_depth.max < 10"}, true, 2},
		{"no gates leave it as saved", saved(false, failedGate), nil, false, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			gates, err := ParseGates(tc.gates, SavedCatalogue(tc.rep))
			if err != nil {
				t.Fatal(err)
			}
			Rejudge(tc.rep, gates)
			if tc.rep.Passed != tc.want || len(tc.rep.Gates) != tc.n {
				t.Errorf("passed %v with %d gates %+v, want %v with %d", tc.rep.Passed, len(tc.rep.Gates), tc.rep.Gates, tc.want, tc.n)
			}
		})
	}
}
