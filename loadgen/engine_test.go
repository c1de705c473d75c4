package loadgen

import (
	"context"
	"math"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// countingServer answers every request and counts it: the server's own
// count that strain's must agree with.
type countingServer struct {
	*httptest.Server
	count    atomic.Int64
	inflight atomic.Int64
	peak     atomic.Int64
}

func newCountingServer(t *testing.T, delay time.Duration) *countingServer {
	t.Helper()
	s := &countingServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.count.Add(1)
		n := s.inflight.Add(1)
		defer s.inflight.Add(-1)
		for p := s.peak.Load(); n > p && !s.peak.CompareAndSwap(p, n); p = s.peak.Load() {
		}
		if delay > 0 {
			time.Sleep(delay)
		}
		w.Write([]byte("hello\n"))
	}))
	t.Cleanup(s.Close)
	return s
}

// path is one of the engine's two ways of sending HTTP/1.1.
type path struct {
	name        string
	generalOnly bool
}

// paths are the wire path and net/http. The engine's tests run on each and
// must hold on both.
var paths = []path{{"wire", false}, {"nethttp", true}}

// on is cfg sent on p.
func (p path) on(cfg Config) Config {
	cfg.generalOnly = p.generalOnly
	return cfg
}

// forEachPath runs test on each path, in parallel subtests: most engine
// tests spend their time waiting on the clock, not the CPU.
func forEachPath(t *testing.T, test func(t *testing.T, p path)) {
	for _, p := range paths {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			test(t, p)
		})
	}
}

// forEachPathInTurn runs test on each path, one after the other, for tests
// with little room on the clock: the open model's, which hold the schedule
// to within 1%, and TLS handshakes within a 300 ms timeout. Two runs
// sharing 2 cores under the race detector do not always leave them that.
func forEachPathInTurn(t *testing.T, test func(t *testing.T, p path)) {
	for _, p := range paths {
		t.Run(p.name, func(t *testing.T) { test(t, p) })
	}
}

// runEngine runs cfg to its end and returns every window and the result.
func runEngine(t *testing.T, ctx context.Context, cfg Config) ([]Window, Result) {
	t.Helper()
	e, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	var windows []Window
	for w := range e.Start(ctx) {
		windows = append(windows, w)
	}
	return windows, e.Result()
}

// checkServerCount checks strain's count against the server's own: every
// completed request reached the server, and the server saw no more than
// those plus the ones cut off in flight at the end (some of which never got
// past the client).
func checkServerCount(t *testing.T, res Result, server int64) {
	t.Helper()
	if server < res.Requests || server > res.Requests+res.Unfinished {
		t.Errorf("server counted %d, want within strain's %d + %d unfinished", server, res.Requests, res.Unfinished)
	}
}

func TestClosedRequestsExact(t *testing.T) { forEachPath(t, testClosedRequestsExact) }

func testClosedRequestsExact(t *testing.T, p path) {
	for _, n := range []int64{1, 7, 1000} {
		srv := newCountingServer(t, 0)
		_, res := runEngine(t, context.Background(), p.on(Config{Targets: []Target{{URL: srv.URL}}, Concurrency: 8, Requests: n}))
		if got := srv.count.Load(); got != n {
			t.Errorf("-n %d: server counted %d", n, got)
		}
		if res.Requests != n || res.Errors != 0 {
			t.Errorf("-n %d: strain counted %d requests, %d errors", n, res.Requests, res.Errors)
		}
		if got := res.Latency.TotalCount(); got != n {
			t.Errorf("-n %d: %d latencies recorded", n, got)
		}
		if got := res.BytesIn; got != 6*n {
			t.Errorf("-n %d: bytes_in = %d, want %d", n, got, 6*n)
		}
	}
}

func TestClosedDurationMatchesServerCount(t *testing.T) {
	forEachPath(t, testClosedDurationMatchesServerCount)
}

func testClosedDurationMatchesServerCount(t *testing.T, p path) {
	srv := newCountingServer(t, time.Millisecond)
	const c = 16
	windows, res := runEngine(t, context.Background(), p.on(Config{
		Targets: []Target{{URL: srv.URL}}, Concurrency: c, Duration: 1500 * time.Millisecond, Interval: 250 * time.Millisecond,
	}))
	server := srv.count.Load()
	checkServerCount(t, res, server)
	if res.Unfinished > c {
		t.Errorf("unfinished %d > concurrency %d", res.Unfinished, c)
	}
	if got := srv.peak.Load(); got > c {
		t.Errorf("server saw %d in flight, want at most %d", got, c)
	}
	var sum int64
	for _, w := range windows {
		sum += w.Requests
	}
	if sum != res.Requests {
		t.Errorf("windows sum to %d, total %d", sum, res.Requests)
	}
	if len(windows) < 5 || len(windows) > 7 {
		t.Errorf("%d windows of 250ms in 1.5s", len(windows))
	}
	if d := res.Duration(); d < 1500*time.Millisecond || d > 2500*time.Millisecond {
		t.Errorf("run lasted %v, want about 1.5s", d)
	}
}

func TestClosedKeepsConcurrencyInFlight(t *testing.T) {
	forEachPath(t, testClosedKeepsConcurrencyInFlight)
}

func testClosedKeepsConcurrencyInFlight(t *testing.T, p path) {
	srv := newCountingServer(t, 20*time.Millisecond)
	_, res := runEngine(t, context.Background(), p.on(Config{Targets: []Target{{URL: srv.URL}}, Concurrency: 5, Duration: 600 * time.Millisecond}))
	if got := srv.peak.Load(); got != 5 {
		t.Errorf("server peak in flight = %d, want 5", got)
	}
	if res.Requests == 0 {
		t.Fatal("no requests")
	}
}

func TestOpenRateAndCount(t *testing.T) { forEachPathInTurn(t, testOpenRateAndCount) }

func testOpenRateAndCount(t *testing.T, p path) {
	srv := newCountingServer(t, 0)
	const rate, secs = 400.0, 3
	_, res := runEngine(t, context.Background(), p.on(Config{
		Targets: []Target{{URL: srv.URL}}, Rate: rate, Duration: secs * time.Second,
	}))
	// The schedule is exact whatever the machine's speed: every request
	// it held for the run was completed, cut off at the end, or dropped.
	want := rate * secs
	if got := float64(res.Requests + res.Unfinished + res.Dropped); math.Abs(got-want) > 1 {
		t.Errorf("requests %d + unfinished %d + dropped %d = %v, want the %v scheduled", res.Requests, res.Unfinished, res.Dropped, got, want)
	}
	if got := float64(res.Requests); math.Abs(got-want) > 0.01*want {
		t.Errorf("requests = %v, want %v ±1%%", got, want)
	}
	// Throughput is completed requests over the run's length, which ends
	// once the last request is done: on a busy machine a little past secs.
	m := res.Metrics()
	if got, def := m["throughput"], float64(res.Requests)/res.Duration().Seconds(); math.Abs(got-def) > 1e-9*def || math.Abs(got-rate) > 0.05*rate {
		t.Errorf("throughput = %v, want requests/duration = %v, within 5%% of %v", got, def, rate)
	}
	checkServerCount(t, res, srv.count.Load())
	if m["dropped"] != 0 {
		t.Errorf("dropped = %v against a fast target", m["dropped"])
	}
}

func TestOpenRequestsExact(t *testing.T) { forEachPathInTurn(t, testOpenRequestsExact) }

func testOpenRequestsExact(t *testing.T, p path) {
	srv := newCountingServer(t, 0)
	_, res := runEngine(t, context.Background(), p.on(Config{Targets: []Target{{URL: srv.URL}}, Rate: 1000, Requests: 300}))
	if res.Requests != 300 || srv.count.Load() != 300 {
		t.Errorf("strain %d, server %d, want 300", res.Requests, srv.count.Load())
	}
}

// With the cap reached, requests queue in the generator: they start late,
// and those still queued when the run ends are dropped, not hidden.
func TestOpenCountsLateAndDropped(t *testing.T) { forEachPathInTurn(t, testOpenCountsLateAndDropped) }

func testOpenCountsLateAndDropped(t *testing.T, p path) {
	srv := newCountingServer(t, 100*time.Millisecond)
	_, res := runEngine(t, context.Background(), p.on(Config{
		Targets: []Target{{URL: srv.URL}}, Rate: 200, Concurrency: 2, Duration: time.Second,
	}))
	// Two workers at 100ms each manage about 20 of the 200 scheduled.
	if res.Requests > 30 {
		t.Errorf("requests = %d, want about 20", res.Requests)
	}
	if res.Dropped < 150 {
		t.Errorf("dropped = %d, want most of 200", res.Dropped)
	}
	if res.Late < res.Requests-2 {
		t.Errorf("late = %d of %d", res.Late, res.Requests)
	}
	if got := res.Requests + res.Unfinished + res.Dropped; got != 200 {
		t.Errorf("completed+unfinished+dropped = %d, want the 200 scheduled", got)
	}
}

func TestInterruptMarksResult(t *testing.T) { forEachPath(t, testInterruptMarksResult) }

func testInterruptMarksResult(t *testing.T, p path) {
	srv := newCountingServer(t, time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, res := runEngine(t, ctx, p.on(Config{Targets: []Target{{URL: srv.URL}}, Duration: time.Minute}))
	if !res.Interrupted {
		t.Error("Interrupted = false after the context ended")
	}
	if res.Duration() > 5*time.Second {
		t.Errorf("an interrupted run lasted %v", res.Duration())
	}
	if res.Requests == 0 {
		t.Error("no requests before the interrupt")
	}
}

func TestClosedStagesRamp(t *testing.T) { forEachPath(t, testClosedStagesRamp) }

func testClosedStagesRamp(t *testing.T, p path) {
	srv := newCountingServer(t, 10*time.Millisecond)
	windows, _ := runEngine(t, context.Background(), p.on(Config{
		Targets: []Target{{URL: srv.URL}}, Concurrency: 1,
		Stages: []Stage{{500 * time.Millisecond, 1}, {500 * time.Millisecond, 12}}, Interval: 250 * time.Millisecond,
	}))
	if got := srv.peak.Load(); got < 10 || got > 12 {
		t.Errorf("peak in flight = %d, want the ramp's top of 12", got)
	}
	if len(windows) < 3 {
		t.Fatalf("%d windows", len(windows))
	}
	if first, last := windows[0].Level, windows[len(windows)-1].Level; first > 1.5 || last < 11 {
		t.Errorf("levels ramped %v → %v, want 1 → 12", first, last)
	}
}

func TestOpenStagesRampRate(t *testing.T) { forEachPathInTurn(t, testOpenStagesRampRate) }

func testOpenStagesRampRate(t *testing.T, p path) {
	srv := newCountingServer(t, 0)
	// 0→400/s over 1s then 400/s for 1s: 200 + 400 requests.
	_, res := runEngine(t, context.Background(), p.on(Config{
		Targets: []Target{{URL: srv.URL}}, Rate: 1e-9,
		Stages: []Stage{{time.Second, 400}, {time.Second, 400}},
	}))
	if got := float64(res.Requests + res.Unfinished); math.Abs(got-600) > 6 {
		t.Errorf("requests = %v, want 600 ±1%%", got)
	}
}

func TestConfigErrors(t *testing.T) {
	tests := map[string]Config{
		"no targets":           {},
		"negative concurrency": {Targets: []Target{{URL: "http://127.0.0.1:1"}}, Concurrency: -1},
		"negative rate":        {Targets: []Target{{URL: "http://127.0.0.1:1"}}, Rate: -5},
		"negative duration":    {Targets: []Target{{URL: "http://127.0.0.1:1"}}, Duration: -time.Second},
	}
	for name, cfg := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := New(cfg); err == nil {
				t.Errorf("New(%s) succeeded", name)
			}
		})
	}
}
