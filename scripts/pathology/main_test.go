//go:build unix

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// testScale has fullScale's shape in test-sized durations.
var testScale = scale{
	Light:      time.Millisecond,
	Warmup:     200 * time.Millisecond,
	BurnFor:    300 * time.Millisecond,
	BurnEvery:  time.Second,
	StallFor:   300 * time.Millisecond,
	StallEvery: time.Second,
	LockHold:   2 * time.Millisecond,
	Garbage:    4 << 20,
	GCPercent:  25,
	DepSlots:   2,
	DepLatency: 50 * time.Millisecond,
	LeakMax:    0,
}

// serve starts mode's service at test scale; its clock starts now.
func serve(t *testing.T, mode string) (*httptest.Server, time.Time) {
	t.Helper()
	if mode == "gcchurn" { // newMux sets GOGC for the process
		prev := debug.SetGCPercent(100)
		debug.SetGCPercent(prev)
		t.Cleanup(func() { debug.SetGCPercent(prev) })
	}
	ctx, cancel := context.WithCancel(context.Background())
	start := time.Now()
	h, err := newMux(ctx, mode, start, testScale)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(h)
	t.Cleanup(func() { cancel(); ts.Close() })
	return ts, start
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Error(err)
		return 0, ""
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Error(err)
	}
	return resp.StatusCode, string(b)
}

// concurrently makes n requests to url at once and returns the wall time
// they took together.
func concurrently(t *testing.T, n int, url string) time.Duration {
	t.Helper()
	var wg sync.WaitGroup
	t0 := time.Now()
	for range n {
		wg.Go(func() {
			if code, body := get(t, url); code != http.StatusOK || body != "ok\n" {
				t.Errorf("GET %s: %d %q, want 200 \"ok\\n\"", url, code, body)
			}
		})
	}
	wg.Wait()
	return time.Since(t0)
}

// stacksOf counts the goroutines whose stack has fn, from the goroutine
// profile.
func stacksOf(fn string) int {
	var buf bytes.Buffer
	pprof.Lookup("goroutine").WriteTo(&buf, 1)
	n := 0
	// debug=1 groups identical stacks: "N @ 0x... 0x..." then "#\t0x...\tpkg.fn+0x..."
	for _, rec := range strings.Split(buf.String(), "\n\n") {
		if !strings.Contains(rec, "."+fn+"+0x") {
			continue
		}
		// The first record follows the "goroutine profile: total N" line.
		head, _, _ := strings.Cut(rec, " @ ")
		c, err := strconv.Atoi(head[strings.LastIndex(head, "\n")+1:])
		if err == nil {
			n += c
		}
	}
	return n
}

func TestEveryModeServesDiagnostics(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			ts, _ := serve(t, mode)
			code, body := get(t, ts.URL+"/debug/strain")
			var r struct {
				Goroutines int64 `json:"goroutines"`
				GOMAXPROCS int64 `json:"gomaxprocs"`
			}
			if code != 200 || json.Unmarshal([]byte(body), &r) != nil || r.Goroutines == 0 || r.GOMAXPROCS == 0 {
				t.Errorf("GET /debug/strain: %d %.80q, want 200 and vitals", code, body)
			}
			if code, body := get(t, ts.URL+"/debug/pprof/"); code != 200 || !strings.Contains(body, "goroutine") {
				t.Errorf("GET /debug/pprof/: %d %.80q, want the index", code, body)
			}
			if code, body := get(t, ts.URL+"/debug/pprof/goroutine?debug=1"); code != 200 || !strings.Contains(body, "goroutine profile:") {
				t.Errorf("GET /debug/pprof/goroutine: %d %.80q, want a profile", code, body)
			}
			// Only "/" is the service: discovery must not mistake it for
			// a /metrics endpoint.
			if code, _ := get(t, ts.URL+"/metrics"); code != http.StatusNotFound {
				t.Errorf("GET /metrics: %d, want 404", code)
			}
		})
	}
}

func TestUnknownModeIsAnError(t *testing.T) {
	if _, err := newMux(context.Background(), "bogus", time.Now(), testScale); !errors.Is(err, errUnknownMode) {
		t.Errorf("newMux(bogus): %v, want errUnknownMode", err)
	}
}

// TestUnknownModeExits2 runs main in a child process.
func TestUnknownModeExits2(t *testing.T) {
	if os.Getenv("PATHOLOGY_RUN_MAIN") == "1" {
		os.Args = []string{"pathology", "-mode", "bogus", "-d", "1s"}
		main()
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestUnknownModeExits2$")
	cmd.Env = append(os.Environ(), "PATHOLOGY_RUN_MAIN=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 2 {
		t.Fatalf("pathology -mode bogus: %v, want exit status 2", err)
	}
	if lines := strings.Split(strings.TrimSpace(stderr.String()), "\n"); len(lines) != 1 || !strings.Contains(lines[0], "unknown mode") {
		t.Errorf("pathology -mode bogus: stderr %q, want one line naming the unknown mode", stderr.String())
	}
}

func TestHealthyAnswersOK(t *testing.T) {
	culprits := []string{"burnCPU", "leakedTask", "waitForGate", "stallAllHandlers"}
	before := map[string]int{}
	for _, fn := range culprits {
		before[fn] = stacksOf(fn) // other tests' leaks stay
	}
	ts, _ := serve(t, "healthy")
	t0 := time.Now()
	if code, body := get(t, ts.URL+"/"); code != 200 || body != "ok\n" {
		t.Errorf("GET /: %d %q, want 200 \"ok\\n\"", code, body)
	}
	if d := time.Since(t0); d < testScale.Light {
		t.Errorf("GET / took %v, want at least the %v of light work", d, testScale.Light)
	}
	for _, fn := range culprits {
		if n := stacksOf(fn) - before[fn]; n > 0 {
			t.Errorf("healthy: %d more goroutines in %s, want none", n, fn)
		}
	}
}

// cpuSeconds is this process's user+system CPU time so far, from the
// kernel.
func cpuSeconds(t *testing.T) float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	tv := func(v syscall.Timeval) float64 { return float64(v.Sec) + float64(v.Usec)/1e6 }
	return tv(ru.Utime) + tv(ru.Stime)
}

// waitFor polls cond until it holds or the deadline passes, and returns
// when it first held.
func waitFor(deadline time.Time, cond func() bool) (time.Time, bool) {
	for time.Now().Before(deadline) {
		if cond() {
			return time.Now(), true
		}
		time.Sleep(5 * time.Millisecond)
	}
	return time.Time{}, false
}

func TestCPUHogBurnsEveryCoreOnSchedule(t *testing.T) {
	ts, start := serve(t, "cpuhog")
	procs := runtime.GOMAXPROCS(0)
	if n := stacksOf("burnCPU"); n != 0 {
		t.Fatalf("%d goroutines in burnCPU before the warmup ended, want none", n)
	}
	if code, _ := get(t, ts.URL+"/"); code != 200 {
		t.Errorf("GET / before the burn: %d, want 200", code)
	}
	on, ok := waitFor(start.Add(2*time.Second), func() bool { return stacksOf("burnCPU") == procs })
	if !ok {
		t.Fatalf("no burn on %d cores within 2s (now %d goroutines in burnCPU)", procs, stacksOf("burnCPU"))
	}
	if d := on.Sub(start); d < testScale.Warmup {
		t.Errorf("burn began %v after start, want at least the warmup %v", d, testScale.Warmup)
	}
	// While it burns, the kernel charges this process CPU time at (up to)
	// GOMAXPROCS seconds a second; allow for a machine shared with other
	// work: at least half a core.
	c0, w0 := cpuSeconds(t), time.Now()
	time.Sleep(100 * time.Millisecond)
	if c, w := cpuSeconds(t)-c0, time.Since(w0).Seconds(); stacksOf("burnCPU") == procs && c < 0.5*w {
		t.Errorf("during the burn: %.3fs CPU in %.3fs, want at least half a core", c, w)
	}
	off, ok := waitFor(start.Add(3*time.Second), func() bool { return stacksOf("burnCPU") == 0 })
	if !ok {
		t.Fatal("the burn did not end within 3s of start")
	}
	if d := off.Sub(start); d < testScale.Warmup+testScale.BurnFor {
		t.Errorf("burn ended %v after start, want at least %v", d, testScale.Warmup+testScale.BurnFor)
	}
}

func TestLeakOutlivesTheRequests(t *testing.T) {
	const n = 50
	http.DefaultClient.CloseIdleConnections()
	before, inTask := settledGoroutines(), stacksOf("leakedTask")
	ts, _ := serve(t, "leak")
	for range n {
		if code, _ := get(t, ts.URL+"/"); code != 200 {
			t.Fatalf("GET /: %d, want 200", code)
		}
	}
	// Load has stopped and the server is gone: the goroutines stay.
	ts.Close()
	http.DefaultClient.CloseIdleConnections()
	if grew := settledGoroutines() - before; grew < n {
		t.Errorf("goroutines grew by %d after %d requests, want at least %d", grew, n, n)
	}
	// A goroutine just started may not have reached its wait yet.
	if _, ok := waitFor(time.Now().Add(time.Second), func() bool { return stacksOf("leakedTask")-inTask == n }); !ok {
		t.Errorf("goroutine profile: %d more in leakedTask after %d requests, want %d", stacksOf("leakedTask")-inTask, n, n)
	}
}

// settledGoroutines is runtime.NumGoroutine once goroutines that are
// ending (earlier tests' servers and connections) have ended: when two
// readings 20ms apart agree, or after half a second.
func settledGoroutines() int {
	n := runtime.NumGoroutine()
	for range 25 {
		time.Sleep(20 * time.Millisecond)
		m := runtime.NumGoroutine()
		if m == n {
			break
		}
		n = m
	}
	return n
}

func TestLeakMaxBoundsTheLeak(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sc := testScale
	sc.LeakMax = 3
	h, err := newMux(ctx, "leak", time.Now(), sc)
	if err != nil {
		t.Fatal(err)
	}
	before := stacksOf("leakedTask")
	for range 5 {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	}
	if _, ok := waitFor(time.Now().Add(time.Second), func() bool { return stacksOf("leakedTask")-before == 3 }); !ok {
		t.Errorf("with LeakMax 3: %d more in leakedTask after 5 requests, want 3", stacksOf("leakedTask")-before)
	}
}

func TestContentionSerialisesRequests(t *testing.T) {
	old := runtime.SetMutexProfileFraction(1) // every event, for the test
	defer runtime.SetMutexProfileFraction(old)
	ts, _ := serve(t, "contention")
	const k = 10
	if d := concurrently(t, k, ts.URL+"/"); d < k*testScale.LockHold {
		t.Errorf("%d concurrent requests took %v, want at least %v: one at a time", k, d, k*testScale.LockHold)
	}
	if runtime.GOMAXPROCS(0) == 1 {
		// One at a time anyway: a holder runs its 2ms unpreempted, and
		// nobody is there to find the lock taken.
		return
	}
	var buf bytes.Buffer
	pprof.Lookup("mutex").WriteTo(&buf, 1)
	if !strings.Contains(buf.String(), ".holdGlobalLock+0x") {
		t.Errorf("the mutex profile has no contention in holdGlobalLock:\n%.2000s", buf.String())
	}
}

func TestGCChurnCollectsOften(t *testing.T) {
	ts, _ := serve(t, "gcchurn")
	if got := debug.SetGCPercent(testScale.GCPercent); got != testScale.GCPercent {
		t.Errorf("GOGC after newMux: %d, want %d", got, testScale.GCPercent)
	}

	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	const n = 8
	for range n {
		if code, _ := get(t, ts.URL+"/"); code != 200 {
			t.Fatalf("GET /: %d, want 200", code)
		}
	}
	runtime.ReadMemStats(&m1)
	if got, want := m1.TotalAlloc-m0.TotalAlloc, uint64(n*testScale.Garbage); got < want {
		t.Errorf("%d requests allocated %d bytes, want at least %d", n, got, want)
	}
	// 32 MB of garbage over a small live heap at GOGC=25: many cycles.
	if gcs := m1.NumGC - m0.NumGC; gcs < 5 {
		t.Errorf("%d requests ran %d GC cycles, want at least 5", n, gcs)
	}
	// The garbage is short-lived: it does not stay in the heap.
	runtime.GC()
	var m2 runtime.MemStats
	runtime.ReadMemStats(&m2)
	if m2.HeapAlloc > m0.HeapAlloc+uint64(2*testScale.Garbage) {
		t.Errorf("heap after GC: %d bytes, was %d before: the garbage stayed live", m2.HeapAlloc, m0.HeapAlloc)
	}
}

func TestSlowDependencyQueuesForItsPool(t *testing.T) {
	ts, _ := serve(t, "slowdep")
	// 2 slots, 50ms each: 4 callers need two rounds.
	if d := concurrently(t, 4, ts.URL+"/"); d < 2*testScale.DepLatency {
		t.Errorf("4 concurrent requests took %v, want at least %v", d, 2*testScale.DepLatency)
	}
	// A caller that gives up while waiting for a slot frees its handler.
	pool := make(chan struct{}, 1)
	pool <- struct{}{}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if err := callSlowDependency(ctx, pool, time.Second); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("callSlowDependency with a full pool and a deadline: %v, want DeadlineExceeded", err)
	}
}

func TestStallHoldsRequestsUntilTheGateOpens(t *testing.T) {
	ts, start := serve(t, "stall")
	if code, _ := get(t, ts.URL+"/"); code != 200 {
		t.Fatalf("GET / before the stall: %d, want 200", code)
	}
	if d := time.Since(start); d >= testScale.Warmup {
		t.Errorf("GET / before the stall returned %v after start, want before the stall at %v", d, testScale.Warmup)
	}
	// Into the stall window, then a request waits for the gate.
	time.Sleep(time.Until(start.Add(testScale.Warmup + 50*time.Millisecond)))
	reopen := start.Add(testScale.Warmup + testScale.StallFor)
	done := make(chan time.Time, 1)
	go func() {
		if code, _ := get(t, ts.URL+"/"); code != 200 {
			t.Errorf("GET / in the stall: %d, want 200", code)
		}
		done <- time.Now()
	}()
	if _, ok := waitFor(reopen, func() bool { return stacksOf("waitForGate") > 0 }); !ok {
		t.Error("no goroutine waiting in waitForGate during the stall")
	}
	if n := stacksOf("stallAllHandlers"); n != 1 && time.Now().Before(reopen) {
		t.Errorf("%d goroutines in stallAllHandlers during the stall, want 1", n)
	}
	select {
	case end := <-done:
		if end.Before(reopen) {
			t.Errorf("GET / in the stall returned %v before the gate reopened", reopen.Sub(end))
		}
	case <-time.After(2 * time.Second):
		t.Fatal("GET / in the stall did not return within 2s")
	}
	// Open again: requests pass.
	if code, _ := get(t, ts.URL+"/"); code != 200 {
		t.Errorf("GET / after the stall: %d, want 200", code)
	}
	if n := stacksOf("waitForGate"); n != 0 {
		t.Errorf("%d goroutines still in waitForGate after the stall", n)
	}
}

// The goroutine profile's record format is what stacksOf relies on.
func TestStacksOfCounts(t *testing.T) {
	never := make(chan struct{})
	before := stacksOf("leakedTask")
	for range 3 {
		go leakedTask(never)
	}
	if _, ok := waitFor(time.Now().Add(time.Second), func() bool { return stacksOf("leakedTask")-before == 3 }); !ok {
		t.Errorf("stacksOf(leakedTask): %d more, want 3", stacksOf("leakedTask")-before)
	}
	if n := stacksOf("nosuchfunction"); n != 0 {
		t.Errorf("stacksOf(nosuchfunction): %d, want 0", n)
	}
}
