package monitor

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/strain-dev/strain/metric"
)

// promRuntimeRegistry is what a Go service registers to be watched: the Go
// collector with the scheduler histograms, and the process collector.
func promRuntimeRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(collectors.WithGoCollectorRuntimeMetrics(collectors.MetricsScheduler)),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return reg
}

// promServe serves h on loopback for the test's lifetime.
func promServe(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// promNewSource is a prom source of srv's /metrics with a clock the test
// may replace.
func promNewSource(srv *httptest.Server, series ...string) *prom {
	return NewProm(srv.URL+"/metrics", series, srv.Client()).(*prom)
}

// promSample samples s and fails the test on an error.
func promSample(t *testing.T, s Source) Metrics {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	m, err := s.Sample(ctx)
	if err != nil {
		t.Fatalf("Sample: %v", err)
	}
	return m
}

// promFakeClock is a clock that moves only when told to.
type promFakeClock struct{ t time.Time }

func (c *promFakeClock) now() time.Time          { return c.t }
func (c *promFakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

// promStoppedClock stops p's clock, for rates the test can work out.
func promStoppedClock(p *prom) *promFakeClock {
	c := &promFakeClock{t: time.Unix(1e9, 0)}
	p.now = c.now
	return c
}

func promNear(got, want, tol float64) bool { return math.Abs(got-want) <= tol }

// promBlockGoroutines starts n goroutines that block until the test ends,
// and returns once they all run.
func promBlockGoroutines(t *testing.T, n int) {
	t.Helper()
	release := make(chan struct{})
	var started sync.WaitGroup
	for range n {
		started.Add(1)
		go func() {
			started.Done()
			<-release
		}()
	}
	started.Wait()
	t.Cleanup(func() { close(release) })
}

// promSelfCPUSeconds is this process's utime+stime from /proc, the
// kernel's own count, in seconds (USER_HZ is 100 on Linux).
func promSelfCPUSeconds() (float64, error) {
	b, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return 0, err
	}
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	ut, err1 := strconv.ParseFloat(f[11], 64)
	st, err2 := strconv.ParseFloat(f[12], 64)
	return (ut + st) / 100, errors.Join(err1, err2)
}

// promSelfRSS is this process's VmRSS from /proc, in bytes.
func promSelfRSS(t *testing.T) float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseFloat(strings.Fields(rest)[0], 64)
			return kb * 1024
		}
	}
	t.Fatal("no VmRSS in /proc/self/status")
	return 0
}

func TestPromReadsGoRuntimeAndProcess(t *testing.T) {
	srv := promServe(t, promhttp.HandlerFor(promRuntimeRegistry(), promhttp.HandlerOpts{}))
	s := NewProm(srv.URL, nil, srv.Client())
	promBlockGoroutines(t, 200)

	g0, rss0 := runtime.NumGoroutine(), promSelfRSS(t)
	m := promSample(t, s)
	g1, rss1 := runtime.NumGoroutine(), promSelfRSS(t)

	t.Run("goroutines", func(t *testing.T) {
		got := m["goroutines"]
		lo, hi := float64(min(g0, g1)-5), float64(max(g0, g1)+5)
		if got < lo || got > hi {
			t.Errorf("goroutines = %v, want within [%v, %v] (runtime.NumGoroutine)", got, lo, hi)
		}
	})
	t.Run("rss", func(t *testing.T) {
		got := m["rss"]
		lo, hi := min(rss0, rss1)*0.95, max(rss0, rss1)*1.05
		if got < lo || got > hi {
			t.Errorf("rss = %v, want within 5%% of VmRSS %v..%v", got, rss0, rss1)
		}
	})
	t.Run("present", func(t *testing.T) {
		for _, k := range []string{"threads", "heap", "fds", "restarts"} {
			if _, ok := m[k]; !ok {
				t.Errorf("%s missing from %v", k, m)
			}
		}
	})
	t.Run("first scrape has no differences", func(t *testing.T) {
		for _, k := range []string{"cpu", "sched_latency.p50", "sched_latency.p99", "sched_latency.max", "gc_pause.p99"} {
			if v, ok := m[k]; ok {
				t.Errorf("%s = %v on the first scrape, want absent", k, v)
			}
		}
	})
}

func TestPromCPUAgainstProc(t *testing.T) {
	if _, err := promSelfCPUSeconds(); err != nil {
		t.Skipf("no /proc/self/stat: %v", err)
	}
	// The handler notes this process's CPU time as the kernel counts it, at
	// the moment of each scrape: the truth the rate is checked against.
	var mu sync.Mutex
	var at []time.Time
	var cpu []float64
	inner := promhttp.HandlerFor(promRuntimeRegistry(), promhttp.HandlerOpts{})
	srv := promServe(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		c, _ := promSelfCPUSeconds()
		at, cpu = append(at, time.Now()), append(cpu, c)
		mu.Unlock()
		inner.ServeHTTP(w, r)
	}))
	s := NewProm(srv.URL, nil, srv.Client())

	promSample(t, s)
	promBurn(time.Second)
	m := promSample(t, s)

	mu.Lock()
	defer mu.Unlock()
	truth := (cpu[1] - cpu[0]) / at[1].Sub(at[0]).Seconds() * 100
	got, ok := m["cpu"]
	if !ok {
		t.Fatalf("cpu missing from %v", m)
	}
	t.Logf("cpu = %.1f%%, /proc says %.1f%%", got, truth)
	// /proc counts in 10 ms ticks and the two clocks read the scrape at
	// slightly different moments: a few points either way.
	if tol := 10 + truth*0.1; !promNear(got, truth, tol) {
		t.Errorf("cpu = %.1f%%, want %.1f%% ± %.1f (from /proc/self/stat)", got, truth, tol)
	}
}

// promBurn spins one goroutine for about d of wall time.
func promBurn(d time.Duration) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		x := 0
		for start := time.Now(); time.Since(start) < d; {
			for i := range 10000 {
				x += i
			}
		}
		_ = x
	}()
	<-done
}

func TestPromSchedLatencyAndGCPause(t *testing.T) {
	srv := promServe(t, promhttp.HandlerFor(promRuntimeRegistry(), promhttp.HandlerOpts{}))
	s := NewProm(srv.URL, nil, srv.Client())
	promSample(t, s)
	// Wake goroutines, and collect garbage, so that both histograms have
	// new observations.
	promBlockGoroutines(t, 100)
	runtime.GC()
	m := promSample(t, s)

	p50, ok1 := m["sched_latency.p50"]
	p99, ok2 := m["sched_latency.p99"]
	mx, ok3 := m["sched_latency.max"]
	if !ok1 || !ok2 || !ok3 {
		t.Fatalf("sched_latency missing from %v", m)
	}
	if !(0 <= p50 && p50 <= p99 && p99 <= mx) {
		t.Errorf("sched_latency p50 %v, p99 %v, max %v: want 0 ≤ p50 ≤ p99 ≤ max", p50, p99, mx)
	}
	if v, ok := m["gc_pause.p99"]; !ok || v <= 0 || v > 10 {
		t.Errorf("gc_pause.p99 = %v (present %v), want a positive number of seconds after runtime.GC", v, ok)
	}
}

func TestPromUserSeries(t *testing.T) {
	reg := prometheus.NewRegistry()
	lag := prometheus.NewGauge(prometheus.GaugeOpts{Name: "nodejs_eventloop_lag_seconds"})
	depth := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "queue_depth"}, []string{"queue"})
	jobs := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "jobs_total"}, []string{"queue"})
	took := prometheus.NewHistogram(prometheus.HistogramOpts{Name: "job_seconds", Buckets: []float64{0.01, 0.1, 1}})
	rpc := prometheus.NewSummary(prometheus.SummaryOpts{Name: "rpc_seconds", Objectives: map[float64]float64{0.5: 0.01, 0.99: 0.001}})
	reg.MustRegister(lag, depth, jobs, took, rpc)
	srv := promServe(t, promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	p := promNewSource(srv, "nodejs_eventloop_lag_seconds", "queue_depth", "jobs_total", "job_seconds", "rpc_seconds", "not_there")
	clock := promStoppedClock(p)

	// Before the first scrape: counted, but not in the interval measured.
	jobs.WithLabelValues("fast").Add(1000)
	for range 1000 {
		took.Observe(5)
	}
	first := promSample(t, p)

	clock.advance(2 * time.Second)
	lag.Set(0.25)
	depth.WithLabelValues("fast").Set(3)
	depth.WithLabelValues("slow").Set(4)
	jobs.WithLabelValues("fast").Add(20)
	jobs.WithLabelValues("slow").Add(10)
	for i := range 100 {
		took.Observe(map[bool]float64{true: 0.05, false: 0.5}[i < 90])
		rpc.Observe(float64(i + 1))
	}
	m := promSample(t, p)

	for _, k := range []string{"jobs_total", "job_seconds.p50", "job_seconds.p99"} {
		if v, ok := first[k]; ok {
			t.Errorf("first scrape: %s = %v, want absent", k, v)
		}
	}
	tests := []struct {
		key       string
		want, tol float64
	}{
		{"nodejs_eventloop_lag_seconds", 0.25, 0},
		{"queue_depth", 4, 0},                        // the largest of its label sets, never their sum
		{"jobs_total", 15, 1e-9},                     // (20+10) / 2 s
		{"job_seconds.p50", 0.01 + 0.09*50/90, 1e-9}, // interpolated in (0.01, 0.1]
		{"job_seconds.p99", 0.1 + 0.9*9/10, 1e-9},    // interpolated in (0.1, 1]
		{"rpc_seconds.p50", 50, 2},                   // the summary's own estimate
		{"rpc_seconds.p99", 99, 1},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			got, ok := m[tt.key]
			if !ok {
				t.Fatalf("%s missing from %v", tt.key, m)
			}
			if !promNear(got, tt.want, tt.tol) {
				t.Errorf("%s = %v, want %v ± %v", tt.key, got, tt.want, tt.tol)
			}
		})
	}
	if v, ok := m["not_there"]; ok {
		t.Errorf("not_there = %v, want absent", v)
	}
}

func TestPromCounterReset(t *testing.T) {
	// Two registries stand for two lives of one process behind one URL.
	var handler atomic.Pointer[http.Handler]
	life := func(jobs float64) {
		reg := prometheus.NewRegistry()
		c := prometheus.NewCounter(prometheus.CounterOpts{Name: "jobs_total"})
		c.Add(jobs)
		reg.MustRegister(c)
		h := promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
		handler.Store(&h)
	}
	srv := promServe(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		(*handler.Load()).ServeHTTP(w, r)
	}))
	p := promNewSource(srv, "jobs_total")
	clock := promStoppedClock(p)

	steps := []struct {
		name         string
		jobs         float64 // the counter now; below the last means a new life
		wantRate     float64
		wantRestarts float64
	}{
		{"first life", 100, math.NaN(), 0},
		{"restarted", 5, 5, 1}, // counted from zero over 1 s
		{"second life", 25, 20, 1},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			life(st.jobs)
			clock.advance(time.Second)
			m := promSample(t, p)
			if got := m["restarts"]; got != st.wantRestarts {
				t.Errorf("restarts = %v, want %v", got, st.wantRestarts)
			}
			got, ok := m["jobs_total"]
			switch {
			case math.IsNaN(st.wantRate) && ok:
				t.Errorf("jobs_total = %v on the first scrape, want absent", got)
			case !math.IsNaN(st.wantRate) && (!ok || got != st.wantRate):
				t.Errorf("jobs_total = %v (present %v), want %v", got, ok, st.wantRate)
			}
		})
	}
}

func TestPromObserveBodies(t *testing.T) {
	runtimeBody := promReadTestdata(t, "runtime.txt")
	userBody := promReadTestdata(t, "user.txt")
	tests := []struct {
		name   string
		bodies []string // scraped one second apart; the last is checked
		want   Metrics  // these values exactly
		absent []string
	}{{
		name:   "runtime body",
		bodies: []string{runtimeBody},
		want:   Metrics{"goroutines": 6, "threads": 7, "heap": 201200, "rss": 9.40032e+06, "fds": 9, "restarts": 0},
		absent: []string{"cpu", "sched_latency.p99"},
	}, {
		name:   "same body twice: no new observations",
		bodies: []string{runtimeBody, runtimeBody},
		want:   Metrics{"cpu": 0, "restarts": 0},
		absent: []string{"sched_latency.p50", "sched_latency.p99", "sched_latency.max", "gc_pause.p99"},
	}, {
		name:   "heap falls back to in-use bytes",
		bodies: []string{"# TYPE go_memstats_heap_inuse_bytes gauge\ngo_memstats_heap_inuse_bytes 4096\n"},
		want:   Metrics{"heap": 4096},
	}, {
		name: "sched latency from bucket deltas",
		bodies: []string{
			promSchedBody(map[string]float64{"1e-06": 10, "1e-05": 10, "0.0001": 10, "+Inf": 10}),
			promSchedBody(map[string]float64{"1e-06": 10, "1e-05": 60, "0.0001": 109, "+Inf": 110}),
		},
		// 50 new in (1e-6, 1e-5], 49 in (1e-5, 1e-4], 1 above 1e-4.
		want: Metrics{"sched_latency.p50": 1e-05, "sched_latency.p99": 0.0001, "sched_latency.max": 0.0001},
	}, {
		name: "fractional counts are rounded",
		bodies: []string{
			promSchedBody(map[string]float64{"1e-06": 10, "1e-05": 10, "0.0001": 10, "+Inf": 10}),
			promSchedBody(map[string]float64{"1e-06": 10, "1e-05": 59.6, "0.0001": 108.7, "+Inf": 110}),
		},
		want: Metrics{"sched_latency.p50": 1e-05, "sched_latency.p99": 0.0001, "sched_latency.max": 0.0001},
	}, {
		name: "start time moved: restart",
		bodies: []string{
			"# TYPE process_start_time_seconds gauge\nprocess_start_time_seconds 1000\n",
			"# TYPE process_start_time_seconds gauge\nprocess_start_time_seconds 1500\n",
		},
		want: Metrics{"restarts": 1},
	}, {
		name:   "a counter went down: restart, deltas from zero",
		bodies: []string{userBody, strings.Replace(userBody, `jobs_total{queue="fast"} 100`, `jobs_total{queue="fast"} 10`, 1)},
		want:   Metrics{"restarts": 1, "jobs_total": 30, "job_seconds.p50": 0.01 + 0.09*50/90, "job_seconds.p99": 0.1 + 0.9*9/10},
	}, {
		name:   "user gauges, summaries, untyped",
		bodies: []string{userBody},
		want:   Metrics{"queue_depth": 4, "nodejs_eventloop_lag_seconds": 0.012, "rpc_seconds.p50": 0.05, "rpc_seconds.p99": 0.3, "legacy_temperature_celsius": 21.5},
		absent: []string{"jobs_total", "job_seconds.p50"},
	}, {
		name:   "NaN gauge left out",
		bodies: []string{"# TYPE go_goroutines gauge\ngo_goroutines NaN\n"},
		absent: []string{"goroutines"},
	}}
	series := []string{"queue_depth", "nodejs_eventloop_lag_seconds", "jobs_total", "job_seconds", "rpc_seconds", "legacy_temperature_celsius"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := NewProm("test", series, nil).(*prom)
			var m Metrics
			for i, body := range tt.bodies {
				var err error
				if m, err = p.observe(strings.NewReader(body), time.Unix(int64(i), 0)); err != nil {
					t.Fatalf("observe body %d: %v", i, err)
				}
			}
			for k, want := range tt.want {
				if got, ok := m[k]; !ok || !promNear(got, want, 1e-9*math.Abs(want)) {
					t.Errorf("%s = %v (present %v), want %v", k, got, ok, want)
				}
			}
			for _, k := range tt.absent {
				if v, ok := m[k]; ok {
					t.Errorf("%s = %v, want absent", k, v)
				}
			}
		})
	}
}

func promReadTestdata(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/prom/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// promSchedBody is a go_sched_latencies_seconds histogram with these
// cumulative bucket counts.
func promSchedBody(cum map[string]float64) string {
	var b strings.Builder
	b.WriteString("# TYPE go_sched_latencies_seconds histogram\n")
	for _, le := range []string{"1e-06", "1e-05", "0.0001", "+Inf"} {
		fmt.Fprintf(&b, "go_sched_latencies_seconds_bucket{le=%q} %g\n", le, cum[le])
	}
	fmt.Fprintf(&b, "go_sched_latencies_seconds_count %g\n", cum["+Inf"])
	return b.String()
}

func TestPromErrors(t *testing.T) {
	valid := "# TYPE go_goroutines gauge\ngo_goroutines 12\n# TYPE go_threads gauge\ngo_threads 7\n"
	tests := []struct {
		name    string
		handler http.HandlerFunc
		timeout time.Duration
		want    string // in the error
	}{
		{"404", func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }, 0, "404 Not Found"},
		{"hangs", func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }, 200 * time.Millisecond, "context deadline exceeded"},
		{"truncated in transfer", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", strconv.Itoa(len(valid)))
			w.Write([]byte(valid[:len(valid)/2]))
		}, 0, "unexpected EOF"},
		{"truncated mid-line", promBody(valid[:len(valid)-3]), 0, "parse metrics"},
		{"garbage", promBody("<html><body>Hello</body></html>\n"), 0, "parse metrics"},
		{"binary", promBody("\x00\xff\xfe{}\x01\n"), 0, "parse metrics"},
		{"empty", promBody(""), 0, "no metrics"},
		{"17 MiB", func(w http.ResponseWriter, r *http.Request) {
			line := []byte("# " + strings.Repeat("x", 1021) + "\n")
			for range 17 << 10 {
				if _, err := w.Write(line); err != nil {
					return
				}
			}
		}, 0, "metrics body exceeds 16 MiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := promServe(t, tt.handler)
			s := NewProm(srv.URL, []string{"go_goroutines"}, srv.Client())
			ctx, cancel := context.WithTimeout(context.Background(), cmp.Or(tt.timeout, 10*time.Second))
			defer cancel()
			start := time.Now()
			m, err := s.Sample(ctx)
			took := time.Since(start)
			t.Logf("error %q after %v", err, took)
			if err == nil {
				t.Fatalf("Sample = %v, nil; want an error with %q", m, tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "scrape "+srv.URL+": ") {
				t.Errorf("error %q, want \"scrape %s: …%s…\"", err, srv.URL, tt.want)
			}
			if tt.timeout != 0 && !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("error %q is not context.DeadlineExceeded", err)
			}
			// Generous: the point is that a hung target does not hang us.
			if tt.timeout != 0 && took > 5*time.Second {
				t.Errorf("Sample returned after %v, want soon after the %v deadline", took, tt.timeout)
			}
		})
	}
}

// promBody serves body as it is.
func promBody(body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(body)) }
}

// FuzzPromParse feeds bodies to the parse-and-map step after a real scrape,
// twice, so that deltas, rates and restarts run against whatever the body
// holds. It must never panic, and what it returns must be finite.
func FuzzPromParse(f *testing.F) {
	base, err := os.ReadFile("testdata/prom/runtime.txt")
	if err != nil {
		f.Fatal(err)
	}
	series := []string{"jobs_total", "job_seconds", "queue_depth", "rpc_seconds", "go_sched_latencies_seconds"}
	first := NewProm("fuzz", series, nil).(*prom)
	if _, err := first.observe(bytes.NewReader(base), time.Unix(0, 0)); err != nil {
		f.Fatalf("observe base: %v", err)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		// Scrapes only read the previous state, so every input may start
		// from the same one.
		p := &prom{url: "fuzz", series: series, wanted: first.wanted, now: time.Now, prev: first.prev}
		for i := 1; i <= 2; i++ {
			m, err := p.observe(bytes.NewReader(body), time.Unix(int64(i), 0))
			if err != nil {
				continue
			}
			for k, v := range m {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					t.Errorf("%s = %v, want finite", k, v)
				}
			}
			if m["cpu"] < 0 || m["restarts"] < 0 {
				t.Errorf("cpu %v, restarts %v: want never negative", m["cpu"], m["restarts"])
			}
		}
	})
}

// prom-client's default metrics (a Node service's) are read with no
// configuration: the event loop's lag is the target's scheduler latency,
// its active handles and requests its tasks, its used heap its heap, its
// GC histogram its GC pauses and rate.
func TestPromNodeDefaults(t *testing.T) {
	raw, err := os.ReadFile("testdata/prom/node.txt")
	if err != nil {
		t.Fatal(err)
	}
	var scrape atomic.Int64
	srv := promServe(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Between the two scrapes: 10 more minor GCs, 8 of them under 1 ms.
		a, b := "10", "12"
		if scrape.Add(1) > 1 {
			a, b = "18", "22"
		}
		w.Write([]byte(strings.NewReplacer("GC_A", a, "GC_B", b).Replace(string(raw))))
	}))
	now := time.Unix(1764633700, 0)
	s := NewProm(srv.URL, nil, srv.Client()).(*prom)
	s.now = func() time.Time { return now }
	promSample(t, s)
	now = now.Add(2 * time.Second)
	m := promSample(t, s)
	want := Metrics{"sched_latency.p50": 0.010109, "sched_latency.p99": 0.030146, "sched_latency.max": 0.0523,
		"tasks": 6, "heap": 9437184, "rss": 52428800, "gc_rate": 5}
	for k, v := range want {
		if m[k] != v {
			t.Errorf("%s = %v, want %v", k, m[k], v)
		}
	}
	// 8 of the 10 new pauses were under 1 ms, the other 2 under 10 ms: the
	// p99 falls in the second bucket, and is no finer than it.
	if p := m["gc_pause.p99"]; p < 0.001 || p > 0.01 {
		t.Errorf("gc_pause.p99 = %v, want within its bucket, 1–10 ms", p)
	}
	if _, ok := m["goroutines"]; ok {
		t.Error("a Node target has goroutines")
	}
}

// Two services' goroutines through /federate are never added up: without
// a selector the largest shows, with a warning that says how to pick one;
// a selector keeps the label sets it matches, for the runtime's figures
// and a series alike. Counters' label sets still add up, as rates do.
func TestPromLabelSetsAndSelectors(t *testing.T) {
	body := `# TYPE go_goroutines gauge
go_goroutines{instance="a"} 100
go_goroutines{instance="b"} 7
# TYPE queue_depth gauge
queue_depth{instance="a",q="x"} 3
queue_depth{instance="b",q="x"} 9
`
	srv := promServe(t, promBody(body))
	cases := []struct {
		spec      string
		goroutine float64
		queue     float64
		warned    bool
	}{
		{"prom:" + srv.URL + "#queue_depth", 100, 9, true},
		{"prom:" + srv.URL + `#go_goroutines{instance="b"},queue_depth{instance="a"}`, 7, 3, false},
	}
	for _, c := range cases {
		spec, err := ParseSpec(c.spec)
		if err != nil {
			t.Fatal(err)
		}
		s := NewPromSpec(spec.Proms[0], srv.Client())
		m := promSample(t, s)
		if m["goroutines"] != c.goroutine || m["tasks"] != c.goroutine || m["queue_depth"] != c.queue {
			t.Errorf("%s: goroutines %v tasks %v queue_depth %v, want %v and %v", c.spec, m["goroutines"], m["tasks"], m["queue_depth"], c.goroutine, c.queue)
		}
		warned := strings.Contains(strings.Join(s.(Warner).Warnings(), "\n"), `go_goroutines has 2 label sets: showing the largest; pick one with #go_goroutines{label="value"}`)
		if warned != c.warned {
			t.Errorf("%s: warned %v, want %v: %q", c.spec, warned, c.warned, s.(Warner).Warnings())
		}
	}
}

// A quantile from coarse buckets carries its bucket's range: every
// request took about 3 ms, all in Prometheus' le=0.1 bucket, and its p99
// interpolates to 99 ms. The monitor says so once, in words that do not
// change with the bucket, and not at all where a more precise source gives
// the same metric.
func TestPromCoarseQuantileIsBounded(t *testing.T) {
	hist := func(n int) string {
		return fmt.Sprintf(`# TYPE go_sched_latencies_seconds histogram
go_sched_latencies_seconds_bucket{le="0.001"} 0
go_sched_latencies_seconds_bucket{le="0.01"} 0
go_sched_latencies_seconds_bucket{le="0.1"} %d
go_sched_latencies_seconds_bucket{le="+Inf"} %d
go_sched_latencies_seconds_sum 0.3
go_sched_latencies_seconds_count %d
`, n, n, n)
	}
	var scrape atomic.Int64
	srv := promServe(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(hist(100 * int(scrape.Add(1)))))
	}))
	s := NewProm(srv.URL, nil, srv.Client())
	promSample(t, s)
	m := promSample(t, s)
	if p := m["sched_latency.p99"]; p < 0.01 || p > 0.1 {
		t.Errorf("sched_latency.p99 = %v, want in its bucket", p)
	}
	want := metric.Bounds{Lo: 0.01, Hi: 0.1}
	for _, k := range []string{"sched_latency.p50", "sched_latency.p99", "sched_latency.max"} {
		if got := s.(Bounder).Bounds()[k]; got != want {
			t.Errorf("%s bounds = %v, want %v", k, got, want)
		}
	}

	exact := SourceFunc{ID: "exact", Fn: func(context.Context) (Metrics, error) {
		return Metrics{"sched_latency.p99": 0.003}, nil
	}}
	for _, c := range []struct {
		name    string
		sources []Source
		bounded bool
	}{
		{"prom alone", []Source{NewProm(srv.URL, nil, srv.Client())}, true},
		{"an exact source first", []Source{exact, NewProm(srv.URL, nil, srv.Client())}, false},
	} {
		mon := New(MinInterval, Target{Name: "api", Sources: c.sources})
		mon.Open(t.Context())
		var snap Snapshot
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if snap = mon.Snapshot(); snap.Targets["api"]["sched_latency.max"] > 0 {
				break
			}
		}
		mon.Close()
		_, bounded := snap.Bounds["api"]["sched_latency.p99"]
		warning := fmt.Sprintf("watch api: prom:%s: sched_latency.p99 comes from coarse histogram buckets: it is shown as the range it lies in", srv.URL)
		warned := slices.Contains(snap.Warnings, warning)
		if bounded != c.bounded || warned != c.bounded {
			t.Errorf("%s: p99 bounded %v, warned %v; want both %v (warnings %q)", c.name, bounded, warned, c.bounded, snap.Warnings)
		}
		if c.bounded && snap.Bounds["api"]["sched_latency.max"] != want {
			t.Errorf("%s: max bounds %v, want %v", c.name, snap.Bounds["api"]["sched_latency.max"], want)
		}
	}
}

// The default Go collector's GC and GOMAXPROCS, against the runtime's
// own reading over the same span: the collections debug.ReadGCStats
// counted, their pauses, and runtime.GOMAXPROCS.
func TestPromDefaultCollectorGC(t *testing.T) {
	srv := promServe(t, promhttp.HandlerFor(promRuntimeRegistry(), promhttp.HandlerOpts{}))
	s := NewProm(srv.URL, nil, srv.Client())
	clock := time.Now()
	s.(*prom).now = func() time.Time { return clock }
	promSample(t, s)
	var before, after debug.GCStats
	debug.ReadGCStats(&before)
	var sink [][]byte
	for range 20 {
		sink = append(sink, make([]byte, 1<<20))
		runtime.GC()
	}
	_ = sink
	debug.ReadGCStats(&after)
	clock = clock.Add(2 * time.Second)
	m := promSample(t, s)

	gcs := float64(after.NumGC - before.NumGC)
	pauses := (after.PauseTotal - before.PauseTotal).Seconds()
	if got := m["gc_rate"] * 2; got < gcs || got > gcs+5 {
		t.Errorf("gc_rate × 2 s = %v collections, want %v (debug.ReadGCStats) or a few more", got, gcs)
	}
	if mean := m["gc_pause.mean"]; mean <= 0 || mean > 2*pauses/gcs+0.001 {
		t.Errorf("gc_pause.mean = %v, want about %v (debug.ReadGCStats)", mean, pauses/gcs)
	}
	if got := m["alloc_rate"] * 2; got < 20<<20 {
		t.Errorf("alloc_rate × 2 s = %v bytes, want at least the 20 MiB allocated", got)
	}
	if got, want := m["gomaxprocs"], float64(runtime.GOMAXPROCS(0)); got != want {
		t.Errorf("gomaxprocs = %v, want %v", got, want)
	}
}

// A quantile past the last finite bucket is known only to be at least its
// edge: its bounds are open above, never the edge alone as if exact.
func TestPromQuantilePastTheLastBucket(t *testing.T) {
	var scrape atomic.Int64
	srv := promServe(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := 100 * scrape.Add(1)
		fmt.Fprintf(w, "# TYPE go_sched_latencies_seconds histogram\ngo_sched_latencies_seconds_bucket{le=\"0.1\"} 0\ngo_sched_latencies_seconds_bucket{le=\"+Inf\"} %d\ngo_sched_latencies_seconds_sum 50\ngo_sched_latencies_seconds_count %d\n", n, n)
	}))
	s := NewProm(srv.URL, nil, srv.Client())
	promSample(t, s)
	promSample(t, s)
	want := metric.Bounds{Lo: 0.1, Hi: math.Inf(1)}
	for _, k := range []string{"sched_latency.p99", "sched_latency.max"} {
		if got := s.(Bounder).Bounds()[k]; got != want {
			t.Errorf("%s bounds = %v, want %v", k, got, want)
		}
	}
}
