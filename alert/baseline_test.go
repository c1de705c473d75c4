package alert

import (
	"reflect"
	"testing"

	"github.com/strain-dev/strain/metric"
)

func TestParseRegressions(t *testing.T) {
	tests := []struct {
		name    string
		spec    string
		want    []Regression
		wantErr bool
	}{
		{"default", DefaultMaxRegression, []Regression{{"latency.p99", 10}, {"throughput", -10}}, false},
		{"spaces", " latency.max=+5% , error_rate=+0.5%", []Regression{{"latency.max", 5}, {"error_rate", 0.5}}, false},
		{"summary of a series", "target.goroutines.max=+20%", []Regression{{"target.goroutines.max", 20}}, false},
		{"no sign", "latency.p99=10%", nil, true},
		{"no percent", "latency.p99=+10", nil, true},
		{"no limit", "latency.p99", nil, true},
		{"empty limit", "latency.p99=", nil, true},
		{"not a number", "latency.p99=+ten%", nil, true},
		{"unknown metric", "latency.p98=+10%", nil, true},
		{"empty part", "latency.p99=+10%,", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseRegressions(tt.spec, metric.NewCatalogue())
			if (err != nil) != tt.wantErr {
				t.Fatalf("ParseRegressions(%q) error = %v, want error %v", tt.spec, err, tt.wantErr)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseRegressions(%q) = %v, want %v", tt.spec, got, tt.want)
			}
		})
	}
}

func TestBaselineCheck(t *testing.T) {
	b := &Baseline{Summary: map[string]float64{"latency.p99": 0.100, "throughput": 1000}}
	tests := []struct {
		name    string
		limit   Regression
		summary map[string]float64
		pass    bool
		noData  bool
	}{
		{"rise within the limit", Regression{"latency.p99", 10}, map[string]float64{"latency.p99": 0.109}, true, false},
		{"rise to the limit", Regression{"latency.p99", 10}, map[string]float64{"latency.p99": 0.110}, true, false},
		{"rise past the limit", Regression{"latency.p99", 10}, map[string]float64{"latency.p99": 0.111}, false, false},
		{"fall under an upper limit", Regression{"latency.p99", 10}, map[string]float64{"latency.p99": 0.010}, true, false},
		{"negative limit: fall within it", Regression{"throughput", -10}, map[string]float64{"throughput": 950}, true, false},
		{"negative limit: fall to it", Regression{"throughput", -10}, map[string]float64{"throughput": 900}, true, false},
		{"negative limit: fall past it", Regression{"throughput", -10}, map[string]float64{"throughput": 899}, false, false},
		{"negative limit: rise", Regression{"throughput", -10}, map[string]float64{"throughput": 5000}, true, false},
		{"zero limit: any rise fails", Regression{"latency.p99", 0}, map[string]float64{"latency.p99": 0.1001}, false, false},
		{"no data in the run", Regression{"latency.p99", 10}, map[string]float64{"throughput": 1000}, false, true},
		{"no data in the baseline", Regression{"latency.max", 10}, map[string]float64{"latency.max": 0.2}, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bl := &Baseline{Summary: b.Summary, Limits: []Regression{tt.limit}}
			gates := bl.Check(tt.summary)
			if len(gates) != 1 {
				t.Fatalf("Check gave %d gates, want 1", len(gates))
			}
			g := gates[0]
			if g.Pass != tt.pass || g.NoData != tt.noData {
				t.Errorf("%s: pass %v no data %v, want pass %v no data %v", g.Expr, g.Pass, g.NoData, tt.pass, tt.noData)
			}
			if g.Kind != "regression" {
				t.Errorf("kind = %q, want regression", g.Kind)
			}
			if tt.noData && g.Shown != "no data" {
				t.Errorf("shown = %q, want no data", g.Shown)
			}
		})
	}
}

// The gate's expression shows the bound the limit works out to, the way
// round the limit points, and the baseline it came from.
func TestBaselineCheckExpr(t *testing.T) {
	b := &Baseline{
		Summary: map[string]float64{"latency.p99": 0.2, "throughput": 1000},
		Limits:  []Regression{{"latency.p99", 10}, {"throughput", -5}},
	}
	gates := b.Check(map[string]float64{"latency.p99": 0.21, "throughput": 990})
	want := []string{
		"latency.p99 <= " + metric.Format("latency.p99", 0.22) + " (baseline " + metric.Format("latency.p99", 0.2) + " +10%)",
		"throughput >= " + metric.Format("throughput", 950) + " (baseline " + metric.Format("throughput", 1000) + " -5%)",
	}
	if len(gates) != len(want) {
		t.Fatalf("Check gave %d gates, want %d", len(gates), len(want))
	}
	for i, g := range gates {
		if g.Expr != want[i] {
			t.Errorf("gate %d: expr %q, want %q", i, g.Expr, want[i])
		}
		if !g.Pass {
			t.Errorf("gate %d (%s): failed with %s", i, g.Expr, g.Shown)
		}
	}
}

func TestBaselineCheckNil(t *testing.T) {
	var b *Baseline
	if gates := b.Check(map[string]float64{"latency.p99": 1}); gates != nil {
		t.Errorf("nil baseline: Check = %v, want none", gates)
	}
}
