package monitor

import (
	"context"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"runtime/metrics"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/strain-dev/strain/vitals"
)

func TestVitalsGoroutinesReadBack(t *testing.T) {
	srv := httptest.NewServer(vitals.Handler())
	defer srv.Close()
	release := make(chan struct{})
	defer close(release)
	var started sync.WaitGroup
	for range 1000 {
		started.Add(1)
		go func() { started.Done(); <-release }()
	}
	started.Wait()
	src := NewVitals(srv.URL, srv.Client())
	var m Metrics
	// The goroutines have started; give the last of them time to block.
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		var err error
		if m, err = src.Sample(context.Background()); err != nil {
			t.Fatal(err)
		}
		if m["goroutines.waiting"] >= 1000 {
			break
		}
	}
	truth := float64(runtime.NumGoroutine())
	if got := m["goroutines"]; math.Abs(got-truth) > 0.02*truth {
		t.Errorf("goroutines = %v, runtime says %v", got, truth)
	}
	if m["goroutines.waiting"] < 1000 {
		t.Errorf("goroutines.waiting = %v, want ≥ 1000", m["goroutines.waiting"])
	}
}

// directSchedP99 is the service's own reading: the runtime's histogram
// read in-process, its p99 bucket found without strain's code.
type directSched struct{ counts []uint64 }

func readSched() (*metrics.Float64Histogram, directSched) {
	s := []metrics.Sample{{Name: "/sched/latencies:seconds"}}
	metrics.Read(s)
	h := s[0].Value.Float64Histogram()
	return h, directSched{counts: append([]uint64(nil), h.Counts...)}
}

// p99Bucket is the [lo, hi) of the bucket holding the p99 of after−before.
func p99Bucket(h *metrics.Float64Histogram, before, after directSched) (lo, hi float64) {
	var total uint64
	delta := make([]uint64, len(after.counts))
	for i := range delta {
		delta[i] = after.counts[i] - before.counts[i]
		total += delta[i]
	}
	rank := uint64(math.Ceil(0.99 * float64(total)))
	var cum uint64
	i := sort.Search(len(delta), func(i int) bool {
		cum = 0
		for _, n := range delta[:i+1] {
			cum += n
		}
		return cum >= rank
	})
	return h.Buckets[i], h.Buckets[i+1]
}

// Under scheduler pressure the endpoint's p99, over HTTP and JSON and
// strain's delta maths, lands in the bucket the runtime's own in-process
// histogram puts the p99 in (or a neighbour, for the few goroutines
// scheduled between the two reads).
func TestVitalsSchedP99AgreesWithInProcessReading(t *testing.T) {
	srv := httptest.NewServer(vitals.Handler())
	defer srv.Close()
	src := NewVitals(srv.URL, srv.Client())
	ctx := context.Background()
	h, before := readSched()
	if _, err := src.Sample(ctx); err != nil {
		t.Fatal(err)
	}
	hogs(4*runtime.GOMAXPROCS(0), 300*time.Millisecond)
	m, err := src.Sample(ctx)
	_, after := readSched()
	if err != nil {
		t.Fatal(err)
	}
	lo, hi := p99Bucket(h, before, after)
	got := m["sched_latency.p99"]
	if got < lo*0.8 || got > hi*1.25 {
		t.Errorf("endpoint p99 = %v, in-process p99 bucket [%v, %v)", got, lo, hi)
	}
	if got < 100e-6 {
		t.Errorf("p99 = %v under %d spinning goroutines: no pressure seen", got, 4*runtime.GOMAXPROCS(0))
	}
}

// hogs spins n goroutines for d while sleepers wake every millisecond and
// wait, runnable, behind them: scheduler pressure, with enough wake-ups
// (the runtime times only a sample of them) for a stable p99.
func hogs(n int, d time.Duration) {
	var wg sync.WaitGroup
	deadline := time.Now().Add(d)
	spin := func() {
		defer wg.Done()
		for time.Now().Before(deadline) {
		}
	}
	sleep := func() {
		defer wg.Done()
		for time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
	}
	for range n {
		wg.Add(2)
		go spin()
		go sleep()
	}
	for range 40 {
		wg.Add(1)
		go sleep()
	}
	wg.Wait()
}

func TestVitalsErrors(t *testing.T) {
	tests := map[string]http.HandlerFunc{
		"404":     http.NotFound,
		"garbage": func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("not json")) },
		"hangs":   func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() },
	}
	for name, h := range tests {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(h)
			defer srv.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			if _, err := NewVitals(srv.URL, srv.Client()).Sample(ctx); err == nil {
				t.Error("no error")
			}
		})
	}
}

// The runtime endpoint's cpu is the process's CPU over the interval, as
// the kernel counts it in /proc/self/stat: a goroutine spinning for the
// whole interval shows as about one core.
func TestVitalsCPUAgreesWithProc(t *testing.T) {
	srv := httptest.NewServer(vitals.Handler())
	defer srv.Close()
	src := NewVitals(srv.URL, srv.Client())
	if _, err := src.Sample(context.Background()); err != nil {
		t.Fatal(err)
	}
	before, start := procCPU(t), time.Now()
	stop := make(chan struct{})
	go func() {
		for x := 0; ; x++ {
			select {
			case <-stop:
				return
			default:
			}
		}
	}()
	time.Sleep(500 * time.Millisecond)
	close(stop)
	m, err := src.Sample(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	truth := (procCPU(t) - before) / time.Since(start).Seconds() * 100
	if truth < 20 {
		// The spinner should hold a core; a machine this busy leaves
		// too little to tell a reading from nothing.
		t.Skipf("the spinner got %.0f%% of a core: too busy a machine to compare", truth)
	}
	// /proc counts in ticks of 10 ms: 2 ticks over 0.5 s is 4%, and the
	// two readings are a moment apart.
	if got := m["cpu"]; math.Abs(got-truth) > 10 {
		t.Errorf("cpu = %.1f%%, /proc/self/stat says %.1f%%", got, truth)
	}
}

// procCPU is this process's user and system time from /proc/self/stat, in
// seconds (its ticks are 1/100 s on Linux).
func procCPU(t *testing.T) float64 {
	b, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		t.Skip("no /proc/self/stat:", err)
	}
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	utime, _ := strconv.ParseFloat(f[11], 64)
	stime, _ := strconv.ParseFloat(f[12], 64)
	return (utime + stime) / 100
}

// An agent leaves out what it cannot measure (the Python agent's memory,
// where the OS does not say): the figure is left out, never read as 0.
func TestVitalsLeavesOutMemoryNotGiven(t *testing.T) {
	for name, body := range map[string]string{
		"without": `{"runtime":"python","time":"2026-12-02T12:00:00Z","tasks":3,"threads":2}`,
		"with":    `{"runtime":"python","time":"2026-12-02T12:00:00Z","tasks":3,"threads":2,"total_memory_bytes":1048576}`,
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte(body)) }))
		m, err := NewVitals(srv.URL, srv.Client()).Sample(context.Background())
		srv.Close()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got, ok := m["memory"]
		if want := name == "with"; ok != want || ok && got != 1<<20 {
			t.Errorf("%s total_memory_bytes: memory %v (present %v)", name, got, ok)
		}
	}
}
