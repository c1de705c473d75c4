package diagnose

import (
	"strings"
	"testing"

	"github.com/strain-dev/strain/metric"
	"github.com/strain-dev/strain/report"
)

// bucketed builds a timeline whose target figures come from Prometheus'
// buckets: each interval's sched_latency.p99 and gc_pause.p99 is v,
// interpolated in a bucket of lo–hi, from the sixth second on, as the
// service's CPU rises at the same throughput (a hog).
func bucketed(lo, hi, v float64, cores map[string]float64) []report.Point {
	pts := series(20, func(t int) map[string]float64 {
		m := healthy(t)
		delete(m, "target.gomaxprocs")
		delete(m, "target.mutex_wait")
		delete(m, "target.gc_cpu")
		for k, c := range cores {
			m[k] = c
		}
		switch {
		case t <= 5:
			m["target.cpu"] = 20 // the service's own work
		case cores["target.cpu"] == 0:
			m["target.cpu"] = 170 // then something burns the CPU
		}
		return m
	})
	for i := range pts {
		if i < 5 {
			continue
		}
		pts[i].Metrics["target.sched_latency.p99"] = v
		pts[i].Metrics["target.gc_pause.p99"] = v
		pts[i].Bounds = map[string]metric.Bounds{
			"target.sched_latency.p99": {Lo: lo, Hi: hi},
			"target.gc_pause.p99":      {Lo: lo, Hi: hi},
		}
	}
	return pts
}

// A p99 interpolated near the top of a coarse bucket is not taken for the
// truth: 10.1 ms in a bucket of 918µs–10.5ms is no starvation, nor a long
// GC pause (issue 26's false findings, on a lock-bound service and on the
// demo).
func TestCoarseBucketTopIsNoFinding(t *testing.T) {
	fs := Diagnose(Input{Series: bucketed(0.000918, 0.0105, 0.0101, map[string]float64{"target.gomaxprocs": 2}), Targets: oneTarget, Load: true})
	for _, f := range fs {
		if f.Severity != report.Info {
			t.Errorf("%s %s: %s", f.Severity, f.Kind, f.Summary)
		}
	}
}

// A bucket wholly past the threshold is starvation, said as its range,
// never as the interpolated figure.
func TestBucketPastTheThresholdIsSaidAsItsRange(t *testing.T) {
	fs := problems(Diagnose(Input{Series: bucketed(0.0105, 0.117, 0.113, map[string]float64{"target.gomaxprocs": 2}), Targets: oneTarget, Load: true}))
	f, ok := fs[report.Starvation]
	if !ok {
		t.Fatalf("no starvation: %v", fs)
	}
	if want := "between 10.5ms and 117ms at the worst"; !strings.Contains(f.Summary, want) {
		t.Errorf("summary %q, want it to say %q", f.Summary, want)
	}
	if strings.Contains(f.Summary, "113ms") {
		t.Errorf("summary %q quotes the interpolated p99 as exact", f.Summary)
	}
	ev := f.Evidence[0]
	if ev.Bounds == nil || *ev.Bounds != (metric.Bounds{Lo: 0.0105, Hi: 0.117}) || ev.Shown != "10.5–117ms" {
		t.Errorf("evidence %+v, want bounds [0.0105, 0.117] shown 10.5–117ms", ev)
	}
}

// A target's cores are its own: a service limited to one core is never
// said to have two, and where nothing says, no share is claimed.
func TestCoresComeFromTheTarget(t *testing.T) {
	for _, c := range []struct {
		name  string
		cores map[string]float64
		want  string
		never string
	}{
		{"GOMAXPROCS 1", map[string]float64{"target.gomaxprocs": 1, "target.cpu": 95}, "of its 100% CPU", "200%"},
		{"a cgroup's one core", map[string]float64{"target.cpu_limit": 100, "target.cpu": 95}, "of its 100% CPU", "200%"},
		{"GOMAXPROCS 4 in a 1.5-core quota", map[string]float64{"target.gomaxprocs": 4, "target.cpu_limit": 150, "target.cpu": 140}, "of its 150% CPU", "400%"},
		{"unknown", nil, "its CPU limit is unknown", "of its"},
	} {
		f, ok := problems(Diagnose(Input{Series: bucketed(0.0105, 0.117, 0.05, c.cores), Targets: oneTarget, Load: true}))[report.Starvation]
		if !ok {
			t.Errorf("%s: no starvation", c.name)
			continue
		}
		if !strings.Contains(f.Summary, c.want) || strings.Contains(f.Summary, c.never) {
			t.Errorf("%s: %q, want %q and never %q", c.name, f.Summary, c.want, c.never)
		}
	}
}

// A next step speaks in the target's runtime's words.
func TestAdviceInTheRuntimesWords(t *testing.T) {
	blocked := func(tk int) map[string]float64 {
		m := map[string]float64{"throughput": 100, "latency.p50": 0.3, "latency.p99": 0.5, "inflight": 30, "concurrency": 30,
			"target.tasks": 40, "target.cpu": 10, "target.sched_latency.p99": 0.0005}
		if tk > 5 {
			m["target.sched_latency.p99"] = 0.25
		}
		return m
	}
	for rt, want := range map[string]string{"python": "asyncio.to_thread", "node": "worker_threads", "": "executor"} {
		f, ok := problems(Diagnose(Input{Series: series(20, blocked), Targets: oneTarget, Load: true, Runtimes: map[string]string{"target": rt}}))[report.Blocking]
		if !ok {
			t.Errorf("%q: no blocking", rt)
			continue
		}
		if !strings.Contains(f.Next, want) || strings.Contains(f.Next, "GOMAXPROCS") || strings.Contains(f.Next, "goroutine") {
			t.Errorf("%q: next %q, want %q and no Go words", rt, f.Next, want)
		}
	}
}

// Where a source cannot judge a kind, the finding says what would.
func TestUnjudgedSaysWhatWouldJudge(t *testing.T) {
	fs := Diagnose(Input{Series: series(10, func(int) map[string]float64 {
		return map[string]float64{"throughput": 100, "latency.p50": 0.001, "target.goroutines": 20, "target.cpu": 10}
	}), Targets: oneTarget, Load: true})
	for _, f := range fs {
		if f.Kind == report.InsufficientData && f.Target == "api" {
			if !strings.Contains(f.Next, "serve net/http/pprof (its execution trace shows the time waited on locks) or strain's runtime endpoint to judge contention") {
				t.Errorf("next %q does not say what would judge contention", f.Next)
			}
			return
		}
	}
	t.Errorf("no insufficient_data finding for the target: %v", fs)
}
