package diagnose

import (
	"strings"
	"testing"

	"github.com/strain-dev/strain/report"
)

// A healthy service whose own requests keep its cores busy has ready
// work waiting for them, as much CPU per request as ever: that is its
// capacity, not starvation (issue 26: a healthy service near its CPU
// limit gets no warning).
func TestBusyWithItsOwnRequestsIsNoStarvation(t *testing.T) {
	fs := Diagnose(Input{Series: series(30, func(tk int) map[string]float64 {
		m := healthy(tk)
		m["throughput"], m["target.cpu"], m["target.sched_latency.p99"] = 5000, 190, 0.035
		return m
	}), Targets: oneTarget, Load: true})
	for _, f := range problems(fs) {
		t.Errorf("%s %s: %s", f.Severity, f.Kind, f.Summary)
	}
}

// Execution-trace windows give a figure one interval in five: the
// windows in a row that show it make the span.
func TestSparseWindowsMakeASpan(t *testing.T) {
	fs := problems(Diagnose(Input{Series: series(40, func(tk int) map[string]float64 {
		m := healthy(tk)
		delete(m, "target.mutex_wait")
		if tk%5 == 0 {
			m["target.mutex_wait"] = 0.01
			if tk > 10 {
				m["target.mutex_wait"] = 1.7
			}
		}
		return m
	}), Targets: oneTarget, Load: true}))
	f, ok := fs[report.Contention]
	if !ok {
		t.Fatalf("no contention: %v", fs)
	}
	if f.Start != 14 || f.End != 40 {
		t.Errorf("contention from %gs to %gs, want from 14s (the first window's interval) to 40s", f.Start, f.End)
	}
}

// A starved scheduler seen by two trace windows in a row, and nowhere
// else (a service serving pprof alone), is starvation; one window alone
// is not.
func TestTwoWindowsMakeStarvation(t *testing.T) {
	for _, c := range []struct {
		windows int
		want    bool
	}{{1, false}, {2, true}} {
		fs := problems(Diagnose(Input{Series: series(30, func(tk int) map[string]float64 {
			m := healthy(tk)
			delete(m, "target.sched_latency.p99")
			delete(m, "target.cpu")
			if tk%5 == 3 {
				m["target.sched_latency.p99"], m["target.cpu"] = 0.0002, 20
				if tk > 10 && tk <= 10+5*c.windows {
					m["target.sched_latency.p99"], m["target.cpu"], m["throughput"] = 0.045, 190, 4000
				}
			}
			return m
		}), Targets: oneTarget, Load: true}))
		if _, ok := fs[report.Starvation]; ok != c.want {
			t.Errorf("%d windows starved: starvation %v, want %v (%v)", c.windows, ok, c.want, fs)
		}
	}
}

// Goroutine dumps' lock waiters, where trace windows are off, are
// contention said as a count at the dumps' moments, not a time waited;
// one waiter at a time is a lock's ordinary hand-over.
func TestSampledLockWaiters(t *testing.T) {
	for _, c := range []struct {
		waiters float64
		want    bool
	}{{1, false}, {6, true}} {
		fs := problems(Diagnose(Input{Series: series(30, func(tk int) map[string]float64 {
			m := healthy(tk)
			delete(m, "target.mutex_wait")
			if tk%5 == 1 {
				m["target.mutex_waiters"] = 0
				if tk > 5 {
					m["target.mutex_waiters"] = c.waiters
				}
			}
			return m
		}), Targets: oneTarget, Load: true}))
		f, ok := fs[report.Contention]
		if ok != c.want {
			t.Errorf("%v waiters at each dump: contention %v, want %v", c.waiters, ok, c.want)
			continue
		}
		if ok && !strings.Contains(f.Summary, "up to 6 goroutines were parked on a lock at once (sampled from goroutine dumps)") {
			t.Errorf("summary %q", f.Summary)
		}
	}
}

// A scheduler that kept ready work waiting from the start, its CPU per
// request moving with a busy machine, is how the service runs under this
// load, not starvation; and requests that queue for cores at their limit
// are no blocking (the frozen fixtures' healthy service, under trace
// windows, was called both).
func TestSaturatedFromTheStartIsNoProblem(t *testing.T) {
	fs := Diagnose(Input{Series: series(30, func(tk int) map[string]float64 {
		m := healthy(tk)
		thr := []float64{2500, 1200, 1800, 900}[tk%4]
		m["throughput"], m["target.cpu"], m["target.sched_latency.p99"] = thr, 175, 0.03+0.005*float64(tk%3)
		m["latency.p50"], m["inflight"] = 32/thr, 32
		return m
	}), Targets: oneTarget, Load: true})
	for _, f := range problems(fs) {
		t.Errorf("%s %s: %s", f.Severity, f.Kind, f.Summary)
	}
}

// Requests that queue for a service's cores at their limit (a closed
// model far past its capacity, the scheduler keeping up) are no blocking.
func TestQueueingForCoresIsNoBlocking(t *testing.T) {
	fs := problems(Diagnose(Input{Series: series(30, func(tk int) map[string]float64 {
		m := healthy(tk)
		m["throughput"], m["target.cpu"], m["latency.p50"], m["inflight"] = 1000, 190, 0.032, 32
		return m
	}), Targets: oneTarget, Load: true}))
	if f, ok := fs[report.Blocking]; ok {
		t.Errorf("blocking: %s", f.Summary)
	}
}

// Requests in flight that each need 16 ms of CPU queue for two cores for
// about as long as they take, however a slow scrape read the CPU in that
// interval (143% of 200%): that is the CPU, no blocking (the frozen
// fixtures' gcchurn, seen through Prometheus alone).
func TestQueueingForCPUByLittlesLawIsNoBlocking(t *testing.T) {
	fs := problems(Diagnose(Input{Series: series(30, func(tk int) map[string]float64 {
		m := healthy(tk)
		m["throughput"], m["target.cpu"], m["latency.p50"], m["inflight"] = 87, 143, 0.407, 32
		return m
	}), Targets: oneTarget, Load: true}))
	if f, ok := fs[report.Blocking]; ok {
		t.Errorf("blocking: %s", f.Summary)
	}
}
