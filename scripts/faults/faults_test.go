//go:build unix

package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The faults are checked against what each fault is, measured apart from
// strain: wall time against a serial schedule, the kernel's CPU count,
// the runtime's own metrics, and the culprit's frames in the process's
// profiles. Relations, with wide margins, not exact figures.

// serveFault serves fault with c on a test server, its background work
// running until the test ends.
func serveFault(t *testing.T, fault string, c config) *httptest.Server {
	t.Helper()
	svc, err := newService(fault, c)
	if err != nil {
		t.Fatal(err)
	}
	if svc.start != nil {
		ctx, cancel := context.WithCancel(context.Background())
		wait := svc.start(ctx)
		t.Cleanup(func() { cancel(); wait() })
	}
	srv := httptest.NewServer(svc)
	t.Cleanup(srv.Close)
	return srv
}

// getAll sends n requests to url from n goroutines and returns how long
// they all took.
func getAll(t *testing.T, url string, n int) time.Duration {
	t.Helper()
	start := time.Now()
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			if got := status(t, url); got != http.StatusOK {
				t.Errorf("GET = %d, want 200", got)
			}
		})
	}
	wg.Wait()
	return time.Since(start)
}

// cpuSeconds is the CPU time, user and system, the test process has used.
func cpuSeconds(t *testing.T) float64 {
	t.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// goroutinesIn counts the goroutines with fn in their stacks, from the
// goroutine profile.
func goroutinesIn(t *testing.T, fn string) int {
	t.Helper()
	var b bytes.Buffer
	if err := pprof.Lookup("goroutine").WriteTo(&b, 1); err != nil {
		t.Fatal(err)
	}
	total, block := 0, 0
	for line := range strings.Lines(b.String()) {
		if n, _, ok := strings.Cut(line, " @ "); ok {
			block, _ = strconv.Atoi(n)
			continue
		}
		if strings.Contains(line, "."+fn+"+0x") {
			total += block
			block = 0 // once per stack
		}
	}
	return total
}

// eventually polls cond for up to 5s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("not after 5s: %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func readMetric(name string) metrics.Value {
	s := []metrics.Sample{{Name: name}}
	metrics.Read(s)
	return s[0].Value
}

func TestHealthyCostsRealCPU(t *testing.T) {
	svc, _ := newService("healthy", defaultConfig)
	const n = 200
	before := cpuSeconds(t)
	for range n {
		svc.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	}
	per := time.Duration((cpuSeconds(t) - before) / n * float64(time.Second))
	t.Logf("healthy: %v of CPU a request", per)
	if per < 100*time.Microsecond || per > 20*time.Millisecond {
		t.Errorf("a healthy request costs %v of CPU, want about half a millisecond (0.1–20 ms)", per)
	}
}

func TestLockSerialisesRequests(t *testing.T) {
	c := defaultConfig
	c.LockHold = 10 * time.Millisecond
	srv := serveFault(t, "lock", c)
	const n = 10
	defer runtime.SetMutexProfileFraction(runtime.SetMutexProfileFraction(1))
	done := make(chan time.Duration)
	go func() { done <- getAll(t, srv.URL+"/", n) }()
	eventually(t, "3 requests in commitToLedger at once", func() bool {
		return goroutinesIn(t, culprit(t, "lock")) >= 3
	})
	took := <-done
	if serial := n * c.LockHold; took < serial*9/10 {
		t.Errorf("%d requests holding the lock %v each took %v, want %v at least (one at a time)", n, c.LockHold, took, serial)
	}
	var b bytes.Buffer
	pprof.Lookup("mutex").WriteTo(&b, 1)
	if fn := culprit(t, "lock"); !strings.Contains(b.String(), "."+fn+"+0x") {
		t.Errorf("the mutex profile does not show %s", fn)
	}
}

func TestCPUHogBurnsOnSchedule(t *testing.T) {
	c := defaultConfig
	c.Hog = burst{Start: 400 * time.Millisecond, On: 700 * time.Millisecond, Period: 1400 * time.Millisecond}
	began := time.Now()
	srv := serveFault(t, "cpuhog", c)
	// cores is the CPU used from a to b after the start, in cores.
	cores := func(a, b time.Duration) float64 {
		time.Sleep(time.Until(began.Add(a)))
		cpu := cpuSeconds(t)
		time.Sleep(time.Until(began.Add(b)))
		return (cpuSeconds(t) - cpu) / (b - a).Seconds()
	}
	// On a busy machine the hog gets what the others leave it: the burst
	// is judged against the quiet on either side, not against a core.
	before := cores(50*time.Millisecond, 350*time.Millisecond)
	in := cores(500*time.Millisecond, 1000*time.Millisecond)
	hogs := goroutinesIn(t, culprit(t, "cpuhog"))
	if want := runtime.GOMAXPROCS(0) + c.ExtraHogs; hogs != want {
		t.Errorf("%d goroutines in compactSearchIndex during the burst, want %d", hogs, want)
	}
	if got := status(t, srv.URL+"/"); got != http.StatusOK {
		t.Errorf("GET / in the burst = %d, want 200", got)
	}
	between := cores(1200*time.Millisecond, 1700*time.Millisecond)
	if quiet := max(before, between, 0.02); in < 3*quiet || before > 0.3 || between > 0.3 {
		t.Errorf("cores before the burst %.2f, in it %.2f, after it %.2f: want the burst 3× the quiet, and the quiet under 0.3", before, in, between)
	}
}

func TestLeakedGoroutinesOutliveTheirRequests(t *testing.T) {
	fn := culprit(t, "leak")
	t.Run("each request leaves one", func(t *testing.T) {
		srv := serveFault(t, "leak", defaultConfig)
		before, all := goroutinesIn(t, fn), runtime.NumGoroutine()
		for range 50 {
			status(t, srv.URL+"/")
		}
		// A request answers as its goroutine starts: the last may not
		// have reached its wait yet.
		got := goroutinesIn(t, fn) - before
		for deadline := time.Now().Add(2 * time.Second); got < 50 && time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
			got = goroutinesIn(t, fn) - before
		}
		if got != 50 {
			t.Errorf("after 50 requests, %d more goroutines in %s, want 50", got, fn)
		}
		if got := runtime.NumGoroutine() - all; got < 50 {
			t.Errorf("after 50 requests, %d more goroutines, want 50 at least", got)
		}
	})
	t.Run("up to the cap", func(t *testing.T) {
		c := defaultConfig
		c.LeakCap = 10
		srv := serveFault(t, "leak", c)
		before := goroutinesIn(t, fn)
		for range 30 {
			status(t, srv.URL+"/")
		}
		if got := goroutinesIn(t, fn) - before; got != 10 {
			t.Errorf("after 30 requests with a cap of 10, %d more goroutines in %s, want 10", got, fn)
		}
	})
}

// heapLive is the heap's live bytes after a full collection.
func heapLive() int64 {
	runtime.GC()
	return int64(readMetric("/gc/heap/live:bytes").Uint64())
}

func TestHeapGrowsWithRequests(t *testing.T) {
	c := defaultConfig
	c.SessionSize = 64 << 10
	t.Run("each request keeps its session", func(t *testing.T) {
		srv := serveFault(t, "heapgrow", c)
		before := heapLive()
		for range 100 {
			status(t, srv.URL+"/")
		}
		want := int64(100 * c.SessionSize * 8 / 10)
		if got := heapLive() - before; got < want {
			t.Errorf("after 100 requests the live heap grew %d bytes, want %d at least", got, want)
		}
		runtime.GC() // the heap profile is as of the last collection but one
		var b bytes.Buffer
		pprof.Lookup("heap").WriteTo(&b, 1)
		if fn := culprit(t, "heapgrow"); !strings.Contains(b.String(), "."+fn+"+0x") {
			t.Errorf("the heap profile does not show %s", fn)
		}
	})
	t.Run("up to the cap", func(t *testing.T) {
		c := c
		c.CacheCap = 1 << 20
		srv := serveFault(t, "heapgrow", c)
		before := heapLive()
		for range 100 {
			status(t, srv.URL+"/")
		}
		if got := heapLive() - before; got > 3<<20 {
			t.Errorf("with a cap of 1 MiB the live heap grew %d bytes, want under 3 MiB", got)
		}
	})
}

func TestGCChurnKeepsTheCollectorBusy(t *testing.T) {
	old := debug.SetGCPercent(100)
	defer debug.SetGCPercent(old)
	srv := serveFault(t, "gcchurn", defaultConfig)
	if got := debug.SetGCPercent(defaultConfig.ChurnGOGC); got != defaultConfig.ChurnGOGC {
		t.Errorf("GOGC %d while serving, want %d", got, defaultConfig.ChurnGOGC)
	}
	cycles := readMetric("/gc/cycles/total:gc-cycles").Uint64()
	gc, all := readMetric("/cpu/classes/gc/total:cpu-seconds").Float64(), readMetric("/cpu/classes/total:cpu-seconds").Float64()
	idle := readMetric("/cpu/classes/idle:cpu-seconds").Float64()
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 15 {
				status(t, srv.URL+"/")
			}
		})
	}
	wg.Wait()
	runtime.GC() // brings the runtime's CPU estimates up to date
	n := readMetric("/gc/cycles/total:gc-cycles").Uint64() - cycles
	gc = readMetric("/cpu/classes/gc/total:cpu-seconds").Float64() - gc
	used := readMetric("/cpu/classes/total:cpu-seconds").Float64() - all - (readMetric("/cpu/classes/idle:cpu-seconds").Float64() - idle)
	t.Logf("gcchurn: %d cycles for 60 requests, GC %.0f%% of the CPU used", n, 100*gc/used)
	if n < 20 {
		t.Errorf("%d GC cycles for 60 requests, want 20 at least", n)
	}
	if gc/used < 0.15 {
		t.Errorf("the GC took %.0f%% of the CPU used, want 15%% at least", 100*gc/used)
	}
}

func TestSlowDependencyBlocksWithoutCPU(t *testing.T) {
	c := defaultConfig
	srv := serveFault(t, "slowdep", c)
	const n = 8
	cpu := cpuSeconds(t)
	done := make(chan time.Duration)
	go func() { done <- getAll(t, srv.URL+"/", n) }()
	fn := culprit(t, "slowdep")
	eventually(t, "5 requests in "+fn, func() bool { return goroutinesIn(t, fn) >= 5 })
	took := <-done
	cpu = cpuSeconds(t) - cpu
	if queued := time.Duration(n/c.DepSlots) * c.DepCall; took < queued*9/10 {
		t.Errorf("%d requests through %d slots of %v took %v, want %v at least", n, c.DepSlots, c.DepCall, took, queued)
	}
	if cpu > took.Seconds()/3 {
		t.Errorf("used %.3fs of CPU in %v of waiting, want under a third of it", cpu, took)
	}
}

func TestStallHoldsRequestsWhileTheGateIsShut(t *testing.T) {
	c := defaultConfig
	c.Gate = burst{Start: 300 * time.Millisecond, On: 600 * time.Millisecond, Period: time.Minute}
	began := time.Now()
	srv := serveFault(t, "stall", c)
	if took := getAll(t, srv.URL+"/", 1); took > 200*time.Millisecond {
		t.Errorf("before the gate shut a request took %v, want under 200ms", took)
	}
	time.Sleep(time.Until(began.Add(400 * time.Millisecond)))
	done := make(chan time.Duration)
	go func() { done <- getAll(t, srv.URL+"/", 4) }()
	fn := culprit(t, "stall")
	eventually(t, "4 requests in "+fn, func() bool { return goroutinesIn(t, fn) >= 4 })
	if took := <-done; took < 300*time.Millisecond {
		t.Errorf("requests at a gate shut for 500ms more took %v, want 300ms at least", took)
	}
	if since := time.Since(began); since < 850*time.Millisecond {
		t.Errorf("requests came through %v after the start, before the gate opened at 900ms", since)
	}
	if took := getAll(t, srv.URL+"/", 1); took > 200*time.Millisecond {
		t.Errorf("after the gate opened a request took %v, want under 200ms", took)
	}
}
