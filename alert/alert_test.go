package alert

import (
	"errors"
	"github.com/strain-dev/strain/metric"
	"github.com/strain-dev/strain/profiles"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

var cat = metric.NewCatalogue("nodejs_eventloop_lag_seconds")

func TestParseRule(t *testing.T) {
	tests := []struct {
		in   string
		want Rule
	}{
		{"target.sched_latency.p99 > 10ms for 5s", Rule{Cond: Cond{"target.sched_latency.p99", Greater, 0.01, "10ms"}, Severity: Warning, For: 5 * time.Second}},
		{"crit: error_rate > 5%", Rule{Cond: Cond{"error_rate", Greater, 0.05, "5%"}, Severity: Critical, Capture: DefaultCriticalCapture}},
		{"warn: self.cpu >= 90% keep 10s", Rule{Cond: Cond{"self.cpu", GreaterEqual, 90, "90%"}, Severity: Warning, Keep: 10 * time.Second}},
		{"target[api].rss > 1.5GiB for 1m capture heap", Rule{Cond: Cond{"target[api].rss", Greater, 1.5 * (1 << 30), "1.5GiB"}, Severity: Warning, For: time.Minute, Capture: []profiles.Kind{profiles.Heap}}},
		{"critical: target.goroutines > 10k capture none", Rule{Cond: Cond{"target.goroutines", Greater, 10000, "10k"}, Severity: Critical, Capture: []profiles.Kind{}}},
		{"throughput < 1k", Rule{Cond: Cond{"throughput", Less, 1000, "1k"}, Severity: Warning}},
		{"latency.p999 != 250us", Rule{Cond: Cond{"latency.p999", NotEqual, 250e-6, "250us"}, Severity: Warning}},
		{"target.nodejs_eventloop_lag_seconds > 0.1", Rule{Cond: Cond{"target.nodejs_eventloop_lag_seconds", Greater, 0.1, "0.1"}, Severity: Warning}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseRule(tt.in, cat)
			if err != nil {
				t.Fatal(err)
			}
			tt.want.Text = tt.in
			if math.Abs(got.Threshold-tt.want.Threshold) < 1e-12 {
				got.Threshold = tt.want.Threshold
			}
			if !reflect.DeepEqual(*got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", *got, tt.want)
			}
		})
	}
}

func TestParseErrorsSayWhere(t *testing.T) {
	tests := []struct {
		in      string
		col     int
		mention string
	}{
		{"latency.p99 > ", 14, "threshold"}, // the end of the (trimmed) input
		{"latency.p99 >> 10ms", 13, "comparison"},
		{"latency.p99 > 10", 0, ""}, // valid: plain seconds
		{"latency.p99 > 10kg", 15, "unknown unit"},
		{"latency.p99 > 10MiB", 15, "does not suit"},
		{"target.goroutines > 10ms", 21, "does not suit"},
		{"latency.p99 > 10ms for", 23, "duration"},
		{"latency.p99 > 10ms for soon", 24, "not a duration"},
		{"latency.p99 > 10ms for 1s for 2s", 27, "twice"},
		{"latency.p99 > 10ms banana", 20, "want for, keep or capture"},
		{"latency.p99 > 10ms capture gpu", 28, "profile kind"},
		{"fatal: latency.p99 > 1s", 1, "severity"},
		{"latency.p98 > 1s", 1, "did you mean latency.p90, latency.p95, latency.p99"},
		{"target.gorutines > 5", 1, "did you mean target.goroutines"},
		{"", 1, "metric"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := ParseRule(tt.in, cat)
			if tt.col == 0 {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error = %v, want a ParseError", err)
			}
			if pe.Col != tt.col || !strings.Contains(pe.Error(), tt.mention) {
				t.Errorf("error %q at column %d, want column %d mentioning %q", pe.Error(), pe.Col, tt.col, tt.mention)
			}
		})
	}
}

func TestGates(t *testing.T) {
	summary := map[string]float64{"latency.p99": 0.150, "target.goroutines.max": 6000, "error_rate": 0.002, "throughput": 1200}
	tests := []struct {
		in     string
		pass   bool
		noData bool
	}{
		{"latency.p99 < 200ms", true, false},
		{"target.goroutines.max < 5000", false, false},
		{"error_rate < 1%", true, false},
		{"throughput > 1000", true, false},
		{"target.sched_latency.p99.max < 10ms", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			g, err := ParseGate(tt.in, cat)
			if err != nil {
				t.Fatal(err)
			}
			v := g.Check(summary)
			if v.Pass != tt.pass || v.NoData != tt.noData {
				t.Errorf("verdict %+v, want pass %v noData %v", v, tt.pass, tt.noData)
			}
		})
	}
	if _, err := ParseGate("latency.p99 < 200ms for 5s", cat); err == nil {
		t.Error("a gate took a for clause")
	}
	if _, err := ParseGate("target.goroutines.median < 5", cat); err == nil {
		t.Error("an unknown summary was accepted")
	}
}

// run feeds the evaluator one value per second and returns the events by
// second.
func run(t *testing.T, rule string, values []float64) map[int]State {
	t.Helper()
	r, err := ParseRule(rule, cat)
	if err != nil {
		t.Fatal(err)
	}
	e := NewEvaluator([]*Rule{r})
	start := time.Unix(1000, 0)
	got := map[int]State{}
	for i, v := range values {
		m := map[string]float64{}
		if !math.IsNaN(v) {
			m[r.Metric] = v
		}
		for _, ev := range e.Eval(start.Add(time.Duration(i)*time.Second), m) {
			got[i] = ev.State
		}
	}
	return got
}

func TestEvalStates(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name   string
		rule   string
		values []float64
		want   map[int]State
	}{
		{"sustained breach fires", "target.goroutines > 100 for 3s",
			[]float64{50, 200, 200, 200, 200, 50}, map[int]State{1: Pending, 4: Firing, 5: Resolved}},
		{"spike shorter than for does not", "target.goroutines > 100 for 3s",
			[]float64{50, 200, 200, 50, 200, 50}, map[int]State{1: Pending, 4: Pending}},
		{"no for fires at once", "error_rate > 5%",
			[]float64{0.01, 0.1, 0.01}, map[int]State{1: Firing, 2: Resolved}},
		{"keep holds through a dip", "error_rate > 5% keep 3s",
			[]float64{0.1, 0.01, 0.1, 0.01, 0.01, 0.01, 0.01}, map[int]State{0: Firing, 6: Resolved}},
		{"no data is not a breach", "target.goroutines > 100",
			[]float64{nan, 200, nan, nan}, map[int]State{1: Firing, 2: Resolved}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := run(t, tt.rule, tt.values); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("events %v, want %v", got, tt.want)
			}
		})
	}
}

func TestCriticalMutesWarning(t *testing.T) {
	warn, _ := ParseRule("target.sched_latency.p99 > 10ms", cat)
	crit, _ := ParseRule("crit: target.sched_latency.p99 > 50ms", cat)
	other, _ := ParseRule("target[b].sched_latency.p99 > 10ms", cat)
	e := NewEvaluator([]*Rule{warn, crit, other})
	now := time.Unix(0, 0)
	evs := e.Eval(now, map[string]float64{"target.sched_latency.p99": 0.02})
	if len(evs) != 1 || evs[0].Rule != warn {
		t.Fatalf("at 20ms: %v, want the warning firing", evs)
	}
	evs = e.Eval(now.Add(time.Second), map[string]float64{"target.sched_latency.p99": 0.08, "target[b].sched_latency.p99": 0.08})
	if len(evs) != 2 || evs[0].Rule != crit || evs[1].Rule != other {
		t.Fatalf("at 80ms: %v, want the critical and the other target's warning", evs)
	}
	for _, st := range e.Active() {
		if st.Rule == warn && !st.Muted {
			t.Error("the warning is not muted while its critical fires")
		}
		if st.Rule == other && st.Muted {
			t.Error("a warning on another target was muted")
		}
	}
}

// A warning that fires together with its critical is muted, and so is its
// resolution: no RESOLVED for a FIRING never announced.
func TestMutedWarningResolvesSilently(t *testing.T) {
	warn, _ := ParseRule("target.sched_latency.p99 > 10ms for 2s", cat)
	crit, _ := ParseRule("crit: target.sched_latency.p99 > 50ms for 2s", cat)
	e := NewEvaluator([]*Rule{warn, crit})
	start := time.Unix(0, 0)
	var seen []string
	for i, v := range []float64{0.1, 0.1, 0.1, 0.001, 0.001} {
		for _, ev := range e.Eval(start.Add(time.Duration(i)*time.Second), map[string]float64{"target.sched_latency.p99": v}) {
			seen = append(seen, string(ev.Rule.Severity)+" "+string(ev.State))
		}
	}
	want := []string{"warning pending", "critical pending", "critical firing", "critical resolved"}
	if !reflect.DeepEqual(seen, want) {
		t.Errorf("events %v, want %v", seen, want)
	}
}

// What a newcomer types: no spaces around the comparison, a ratio written
// as a percentage without its sign, a statistic without its metric.
func TestNewcomerExpressions(t *testing.T) {
	g, err := ParseGate("latency.p99<10ms", cat)
	if err != nil || g.Metric != "latency.p99" || g.Op != Less || g.Threshold != 0.01 {
		t.Errorf("latency.p99<10ms: %+v, %v", g, err)
	}
	if g, err := ParseGate("target.goroutines.max>=5k", cat); err != nil || g.Op != GreaterEqual || g.Threshold != 5000 {
		t.Errorf("no spaces around >=: %+v, %v", g, err)
	}
	if _, err := ParseGate("error_rate < 5", cat); err == nil || !strings.Contains(err.Error(), "ratio from 0 to 1: write 5% or 0.05") {
		t.Errorf("error_rate < 5: %v, want the range and both spellings", err)
	}
	if _, err := ParseGate("error_rate < 0.05", cat); err != nil {
		t.Errorf("error_rate < 0.05: %v", err)
	}
	if _, err := ParseGate("p99 < 10ms", cat); err == nil || !strings.Contains(err.Error(), "did you mean") || !strings.Contains(err.Error(), "latency.p99") {
		t.Errorf("p99: %v, want latency.p99 suggested", err)
	}
	if _, err := ParseGate("target.py_event_loop_lag_seconds < 20ms", metric.NewCatalogue("py_event_loop_lag_seconds")); err != nil {
		t.Errorf("a _seconds series takes ms: %v", err)
	}
}
