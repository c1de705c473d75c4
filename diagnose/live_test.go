package diagnose

import (
	"fmt"
	"testing"

	"github.com/strain-dev/strain/report"
)

// longRun is n one-second intervals of a healthy service with a starved
// scheduler from 100 s to 130 s and again from n-60 s to n-30 s.
func longRun(n int) []report.Point {
	return series(n, func(t int) map[string]float64 {
		m := healthy(t)
		if t > 100 && t <= 130 || t > n-60 && t <= n-30 {
			m["target.sched_latency.p99"] = 0.08
			m["target.cpu"] = 200
		}
		return m
	})
}

// Live, called at each interval of a run as the session does, ends with
// the findings Diagnose gives the whole run: a problem long gone from its
// window is kept, one in it is judged anew, each with its own start.
func TestLiveAgreesWithDiagnose(t *testing.T) {
	all := longRun(900)
	live := Live{Window: 120}
	var got []report.Finding
	for i := 1; i <= len(all); i++ {
		got = live.Diagnose(Input{Series: all[:i], Targets: oneTarget, Load: true})
	}
	want := Diagnose(Input{Series: all, Targets: oneTarget, Load: true})
	if g, w := spans(got), spans(want); g != w {
		t.Errorf("live findings\n%s\nwant (Diagnose over the whole run)\n%s", g, w)
	}
}

// A problem that goes on across the window's start keeps the start it was
// first seen at, interval after interval: the session says it once.
func TestLiveKeepsAProblemsStart(t *testing.T) {
	all := series(400, func(t int) map[string]float64 {
		m := healthy(t)
		if t > 50 {
			m["target.sched_latency.p99"] = 0.08
			m["target.cpu"] = 200
		}
		return m
	})
	live := Live{Window: 100}
	for i := 1; i <= len(all); i++ {
		for _, f := range live.Diagnose(Input{Series: all[:i], Targets: oneTarget, Load: true}) {
			if f.Kind == report.Starvation && f.Start != 50 {
				t.Fatalf("at %ds: starvation from %gs, want from 50s all along", i, f.Start)
			}
		}
	}
}

// spans lists findings of warning or worse as "kind start–end", one a line.
func spans(fs []report.Finding) string {
	s := ""
	for _, f := range fs {
		if f.Severity != report.Info {
			s += fmt.Sprintf("%s %s %g–%g\n", f.Severity, f.Kind, f.Start, f.End)
		}
	}
	return s
}

// BenchmarkLive is live diagnosis' cost at one interval of a run one
// minute, one hour and one day long: it does not grow with the run.
func BenchmarkLive(b *testing.B) {
	for _, n := range []int{60, 3600, 86400} {
		all := longRun(n)
		b.Run(fmt.Sprintf("points=%d", n), func(b *testing.B) {
			live := Live{}
			live.Diagnose(Input{Series: all[:n-1], Targets: oneTarget, Load: true})
			b.ResetTimer()
			for range b.N {
				live.Diagnose(Input{Series: all, Targets: oneTarget, Load: true})
			}
		})
	}
}

// BenchmarkDiagnose is the whole timeline's diagnosis, as the end of a
// run does once.
func BenchmarkDiagnose(b *testing.B) {
	for _, n := range []int{60, 3600} {
		all := longRun(n)
		b.Run(fmt.Sprintf("points=%d", n), func(b *testing.B) {
			for range b.N {
				Diagnose(Input{Series: all, Targets: oneTarget, Load: true})
			}
		})
	}
}

// A leak from the run's first intervals, on and on past the window: once
// the window has cut into it, its growth within the window is measured
// from the window's first point, or from a later one past a sample that
// did not grow; it is still the one problem, with the start it was first
// seen at, so the session says it once rather than at every interval (it
// said it 277 times in a 40 s run at 100 ms intervals).
func TestLiveKeepsALeaksStartFromTheRunsStart(t *testing.T) {
	for _, c := range []struct {
		name string
		at   func(t int) float64
	}{
		{"steady", func(t int) float64 { return float64(20 + 10*t) }},
		{"a flat sample now and then", func(t int) float64 { return float64(20 + 10*(t-t%7/6)) }},
	} {
		all := series(400, func(t int) map[string]float64 {
			m := healthy(t)
			m["target.goroutines"] = c.at(t)
			return m
		})
		live := Live{Window: 100}
		first := -1.0
		for i := 1; i <= len(all); i++ {
			leaks := 0
			for _, f := range live.Diagnose(Input{Series: all[:i], Targets: oneTarget, Load: true}) {
				if f.Kind != report.Leak {
					continue
				}
				if leaks++; first < 0 {
					first = f.Start
				}
				if f.Start != first || leaks > 1 {
					t.Fatalf("%s: at %ds, leak %d from %gs, want one, from %gs all along", c.name, i, leaks, f.Start, first)
				}
			}
		}
		if first < 0 {
			t.Fatalf("%s: no leak found", c.name)
		}
	}
}
