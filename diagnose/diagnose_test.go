package diagnose

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/strain-dev/strain/metric"
	"github.com/strain-dev/strain/report"
)

// series builds a timeline of n one-second intervals whose metrics at
// second t (1…n) are those f returns.
func series(n int, f func(t int) map[string]float64) []report.Point {
	var out []report.Point
	for t := 1; t <= n; t++ {
		out = append(out, report.Point{T: float64(t), Metrics: f(t)})
	}
	return out
}

// healthy is a service keeping up with its load: 1 ms per request, 20 in
// flight, 10% of two cores, a few goroutines, no waits.
func healthy(t int) map[string]float64 {
	return map[string]float64{
		"throughput": 20000, "latency.p50": 0.001, "latency.p99": 0.003, "inflight": 20, "concurrency": 20,
		"error_rate": 0, "errors": 0, "oldest_inflight": 0.002,
		"target.cpu": 20, "target.gomaxprocs": 2, "target.sched_latency.p99": 0.0002, "target.goroutines": 30,
		"target.heap": 8 << 20, "target.rss": 30 << 20, "target.gc_cpu": 0.05, "target.gc_pause.p99": 0.0003,
		"target.mutex_wait": 0.01, "target.gc_rate": 3,
	}
}

var oneTarget = []Target{{Name: "api", Scope: metric.OneTarget}}

func diagnose(n int, f func(t int) map[string]float64) []report.Finding {
	return Diagnose(Input{Series: series(n, f), Targets: oneTarget, Load: true})
}

// problems are the findings of warning or worse, by kind.
func problems(fs []report.Finding) map[report.Kind]report.Finding {
	out := map[report.Kind]report.Finding{}
	for _, f := range fs {
		if f.Severity != report.Info {
			out[f.Kind] = f
		}
	}
	return out
}

// A healthy service under load gives no problem, and nothing it could not
// judge.
func TestHealthyHasNoFinding(t *testing.T) {
	fs := diagnose(30, healthy)
	if len(fs) != 0 {
		t.Errorf("findings on a healthy run: %+v", fs)
	}
}

// Each pathology is named by its kind, over its span, and by nothing
// else.
func TestEachPathologyIsNamed(t *testing.T) {
	tests := []struct {
		kind     report.Kind
		severity report.Severity
		from, to float64
		edit     func(t int, m map[string]float64)
	}{
		{report.Starvation, report.Critical, 10, 16, func(t int, m map[string]float64) {
			if t > 10 && t <= 16 {
				m["target.sched_latency.p99"], m["target.cpu"], m["latency.p99"] = 0.12, 196, 0.15
			}
		}},
		{report.Blocking, report.Warning, 10, 20, func(t int, m map[string]float64) {
			if t > 10 && t <= 20 {
				// 20 in flight at 200 req/s: 100 ms each, on 0.1 ms of CPU.
				m["throughput"], m["latency.p50"], m["latency.p99"], m["target.cpu"] = 200, 0.1, 0.2, 2
			}
		}},
		{report.Contention, report.Warning, 5, 25, func(t int, m map[string]float64) {
			if t > 5 && t <= 25 {
				m["target.mutex_wait"], m["latency.p50"] = 3.5, 0.004
			}
		}},
		{report.Stall, report.Critical, 12, 15, func(t int, m map[string]float64) {
			if t > 12 && t <= 15 {
				m["throughput"], m["oldest_inflight"] = 0, float64(t-12)
				delete(m, "latency.p50")
				delete(m, "latency.p99")
			}
		}},
		{report.Leak, report.Critical, 1, 30, func(t int, m map[string]float64) { m["target.goroutines"] = 30 + 100*float64(t) }},
		{report.MemoryGrowth, report.Warning, 3, 30, func(t int, m map[string]float64) { m["target.heap"] = float64(8<<20 + t*6<<20) }},
		{report.GCPressure, report.Critical, 8, 14, func(t int, m map[string]float64) {
			if t > 8 && t <= 14 {
				m["target.gc_cpu"], m["target.gc_rate"] = 0.6, 150
			}
		}},
		{report.Errors, report.Critical, 20, 22, func(t int, m map[string]float64) {
			if t > 20 && t <= 22 {
				m["error_rate"], m["errors"] = 0.3, 6000
			}
		}},
	}
	for _, tt := range tests {
		t.Run(string(tt.kind), func(t *testing.T) {
			fs := problems(diagnose(30, func(s int) map[string]float64 {
				m := healthy(s)
				tt.edit(s, m)
				return m
			}))
			f, ok := fs[tt.kind]
			if !ok || len(fs) != 1 {
				t.Fatalf("found %v, want %s alone", kindsOf(fs), tt.kind)
			}
			if f.Severity != tt.severity || f.Start != tt.from || f.End != tt.to {
				t.Errorf("%s %s from %g to %g, want %s from %g to %g: %s", f.Severity, f.Kind, f.Start, f.End, tt.severity, tt.from, tt.to, f.Summary)
			}
			if f.Target != "api" && tt.kind != report.Errors && tt.kind != report.Stall || f.Summary == "" || f.Next == "" || len(f.Evidence) == 0 {
				t.Errorf("incomplete finding: %+v", f)
			}
		})
	}
}

func kindsOf(fs map[report.Kind]report.Finding) []report.Kind {
	var out []report.Kind
	for k := range fs {
		out = append(out, k)
	}
	return out
}

// The sentence carries the numbers, in their units.
func TestStarvationSentence(t *testing.T) {
	fs := problems(diagnose(30, func(s int) map[string]float64 {
		m := healthy(s)
		if s > 10 && s <= 16 {
			m["target.sched_latency.p99"], m["target.cpu"], m["latency.p99"] = 0.124, 177, 0.143
		}
		return m
	}))
	got := fs[report.Starvation].Summary
	for _, want := range []string{"124ms", "177%", "200%", "143ms", "from 10.0s to 16.0s"} {
		if !strings.Contains(got, want) {
			t.Errorf("summary lacks %q: %s", want, got)
		}
	}
}

// Goroutines that rise with the load's concurrency and fall with it are
// no leak: a server holds one or two per connection.
func TestConnectionsAreNoLeak(t *testing.T) {
	fs := problems(diagnose(30, func(s int) map[string]float64 {
		m := healthy(s)
		level := float64(min(s, 20) * 50)
		m["concurrency"], m["inflight"], m["target.goroutines"] = level, level, 30+level
		return m
	}))
	if _, ok := fs[report.Leak]; ok {
		t.Errorf("a ramp of connections taken for a leak: %s", fs[report.Leak].Summary)
	}
}

// A leak that something released later is still told, as a warning.
func TestReleasedLeakIsAWarning(t *testing.T) {
	fs := problems(diagnose(30, func(s int) map[string]float64 {
		m := healthy(s)
		if s > 5 && s <= 20 {
			m["target.goroutines"] = 30 + 150*float64(s-5)
		}
		return m
	}))
	f, ok := fs[report.Leak]
	if !ok || f.Severity != report.Warning || !strings.Contains(f.Summary, "released") {
		t.Errorf("released leak: %+v", f)
	}
}

// With a cooldown, a leak is judged after the load: goroutines that
// stayed up are said to have stayed up after it stopped.
func TestLeakJudgedAfterTheCooldown(t *testing.T) {
	pts := series(30, func(s int) map[string]float64 {
		m := healthy(s)
		m["target.goroutines"] = 30 + 100*float64(min(s, 25))
		if s > 25 { // the cooldown: no load figures
			m = map[string]float64{"target.goroutines": m["target.goroutines"], "target.cpu": 1}
		}
		return m
	})
	fs := problems(Diagnose(Input{Series: pts, Targets: oneTarget, Load: true, LoadEnd: 25}))
	if f := fs[report.Leak]; !strings.Contains(f.Summary, "5.00s after the load stopped") {
		t.Errorf("leak after the cooldown: %+v", f)
	}
}

// What a target's source lacks is said, once, as what could not be judged;
// too short a run judges nothing; no target, no target-side kind.
func TestInsufficientData(t *testing.T) {
	fs := diagnose(30, func(s int) map[string]float64 {
		m := healthy(s)
		delete(m, "target.mutex_wait")
		delete(m, "target.gc_cpu")
		delete(m, "target.gc_pause.p99")
		return m
	})
	if len(fs) != 1 || fs[0].Kind != report.InsufficientData || !strings.Contains(fs[0].Summary, "contention, gc_pressure") {
		t.Errorf("findings %+v", fs)
	}
	if fs := Diagnose(Input{Series: series(3, healthy), Targets: oneTarget, Load: true}); len(fs) != 1 || !strings.Contains(fs[0].Summary, "too few") {
		t.Errorf("3 intervals: %+v", fs)
	}
	if fs := Diagnose(Input{Series: series(10, healthy), Load: true}); len(fs) != 1 || !strings.Contains(fs[0].Summary, "No runtime source") {
		t.Errorf("no target: %+v", fs)
	}
}

// Values a hostile or broken source sends (NaN, Inf, negative) never make
// a finding of their own, nor a sentence with NaN in it.
func TestHostileValues(t *testing.T) {
	for _, v := range []float64{math.NaN(), math.Inf(1), math.Inf(-1), -1e308} {
		fs := diagnose(30, func(s int) map[string]float64 {
			m := healthy(s)
			for k := range m {
				if strings.HasPrefix(k, "target.") && s%3 == 0 {
					m[k] = v
				}
			}
			return m
		})
		for _, f := range fs {
			if f.Severity != report.Info || strings.Contains(f.Summary, "NaN") || strings.Contains(f.Summary, "Inf") {
				t.Errorf("value %g: %+v", v, f)
			}
		}
	}
}

// --fail-on names kinds, critical or any, and refuses the rest.
func TestFailOn(t *testing.T) {
	got, err := FailOn("leak, starvation,critical")
	if err != nil || strings.Join(got, ";") != "findings.leak == 0;findings.starvation == 0;findings.critical == 0" {
		t.Errorf("FailOn = %v, %v", got, err)
	}
	if _, err := FailOn("leaks"); err == nil || !strings.Contains(err.Error(), `unknown kind "leaks"`) {
		t.Errorf("FailOn(leaks) = %v", err)
	}
	for _, k := range []report.Kind{report.Starvation, report.Blocking, report.Leak, report.MemoryGrowth, report.GCPressure, report.Contention, report.Stall, report.Saturation, report.Errors, report.GeneratorSaturated, report.InsufficientData} {
		if !slices.Contains(report.Kinds, k) {
			t.Errorf("kind %s is not in the contract's list", k)
		}
	}
}

// Memory that grows with leaked goroutines is the leak's evidence, not a
// finding of its own.
func TestMemoryOfALeakIsItsEvidence(t *testing.T) {
	fs := problems(diagnose(30, func(s int) map[string]float64 {
		m := healthy(s)
		m["target.goroutines"] = 30 + 1000*float64(s)
		m["target.heap"] = float64(8<<20 + s*8<<20)
		return m
	}))
	f, ok := fs[report.Leak]
	if !ok || len(fs) != 1 || !strings.Contains(f.Summary, "Memory grew with them: its heap grew from") {
		t.Errorf("findings %v; leak: %s", kindsOf(fs), f.Summary)
	}
}

// More load asked for, throughput flat, in flight and latency up: the
// service is at its capacity (Little's law).
func TestSaturation(t *testing.T) {
	fs := problems(diagnose(30, func(s int) map[string]float64 {
		m := healthy(s)
		if s > 10 {
			level := 14 * float64(s-9) // the concurrency ramps
			// Throughput stays at 20,000/s: each request waits longer.
			m["concurrency"], m["inflight"], m["latency.p50"], m["latency.p99"] = level, level, level/20000, 3*level/20000
		}
		return m
	}))
	f, ok := fs[report.Saturation]
	if !ok || len(fs) != 1 || f.Start != 11 || !strings.Contains(f.Summary, "Throughput stayed near 20000 req/s") {
		t.Errorf("findings %v; saturation: %+v", kindsOf(fs), f)
	}
}

// strain's own saturation is said, with its figures.
func TestGeneratorSaturated(t *testing.T) {
	pts := series(20, func(s int) map[string]float64 {
		m := healthy(s)
		m["self.cpu"], m["self.sched_latency.p99"] = 40, 0.0001
		if s >= 5 && s < 8 {
			m["self.cpu"] = 199
		}
		return m
	})
	busy := func(m map[string]float64) bool { return m["self.cpu"] > 190 }
	fs := problems(Diagnose(Input{Series: pts, Targets: oneTarget, Load: true, Saturated: busy}))
	f, ok := fs[report.GeneratorSaturated]
	if !ok || len(fs) != 1 || !strings.Contains(f.Summary, "3 of 20 intervals (its CPU up to 199%") || f.Start != 4 || f.End != 7 {
		t.Errorf("findings %v; generator: %+v", kindsOf(fs), f)
	}
}

// Requests slowed by the GC are gc_pressure's, not blocking's, though
// they wait more than they run.
func TestGCExplainsSlowRequests(t *testing.T) {
	fs := problems(diagnose(30, func(s int) map[string]float64 {
		m := healthy(s)
		if s > 5 {
			m["target.gc_cpu"], m["throughput"], m["latency.p50"], m["latency.p99"], m["target.cpu"] = 0.55, 30, 0.6, 0.9, 150
		}
		return m
	}))
	if _, ok := fs[report.GCPressure]; !ok || len(fs) != 1 {
		t.Errorf("findings %v, want gc_pressure alone", kindsOf(fs))
	}
}
