package loadgen

import (
	"context"
	"math"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/strain-dev/strain/loadgen/send"
	"github.com/strain-dev/strain/loadgen/transport"
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

// newGatheringServer is a countingServer that holds every request until n
// are in flight at once, then answers them all and every later one at
// once. Its peak reaches n as soon as the engine has n requests out,
// however slowly the machine runs them, and never passes the engine's
// count; a server that merely answers slowly reaches n only if n requests
// happen to overlap in its handler, which a busy machine can stagger.
func newGatheringServer(t *testing.T, n int64) *countingServer {
	t.Helper()
	s := &countingServer{}
	gathered := make(chan struct{})
	var once sync.Once
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.count.Add(1)
		in := s.inflight.Add(1)
		defer s.inflight.Add(-1)
		for p := s.peak.Load(); in > p && !s.peak.CompareAndSwap(p, in); p = s.peak.Load() {
		}
		if in >= n {
			once.Do(func() { close(gathered) })
		}
		select {
		case <-gathered:
		case <-r.Context().Done(): // the run ended first
			return
		}
		w.Write([]byte("hello\n"))
	}))
	t.Cleanup(s.Close)
	return s
}

// checkSchedule checks an open-model run's accounting, which is exact
// whatever the machine's speed: every request the schedule held for the
// run was completed, cut off at the end, or dropped, never lost or
// invented. A busy machine only moves requests from the first to the last:
// the pacer wakes late, and what was due when the run's deadline passed is
// dropped, not hidden. How closely the pacer keeps time is a speed, and
// BenchmarkPacer measures it.
func checkSchedule(t *testing.T, res Result, scheduled int64) {
	t.Helper()
	if got := res.Requests + res.Unfinished + res.Dropped; got != scheduled || res.Dropped < 0 {
		t.Errorf("requests %d + unfinished %d + dropped %d = %d, want the %d scheduled", res.Requests, res.Unfinished, res.Dropped, got, scheduled)
	}
	// Only a request that was sent can have been sent late.
	if sent := res.Requests + res.Unfinished; res.Late > sent {
		t.Errorf("late = %d of %d sent", res.Late, sent)
	}
	t.Logf("requests %d, unfinished %d, dropped %d, late %d over %v", res.Requests, res.Unfinished, res.Dropped, res.Late, res.Duration())
}

// path is one of the engine's two ways of sending HTTP/1.1.
type path struct {
	name      string
	transport send.Maker
}

// paths are the wire path and net/http. The engine's tests run on each and
// must hold on both.
var paths = []path{{"wire", transport.For}, {"nethttp", transport.NetHTTP}}

// on is cfg sent on p.
func (p path) on(cfg Config) Config {
	cfg.Transport = p.transport
	return cfg
}

// newEngine is New, on strain's own transports when cfg names none.
func newEngine(cfg Config) (*Engine, error) {
	if cfg.Transport == nil {
		cfg.Transport = transport.For
	}
	return New(cfg)
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

// forEachPathInTurn runs test on each path, one after the other, for the
// tests that put the clock into what they check: the open model's pacer,
// a stall or an outage the test schedules, a timeout. They allow for a
// busy machine, but a second run sharing 2 cores under the race detector
// need not be part of it.
func forEachPathInTurn(t *testing.T, test func(t *testing.T, p path)) {
	for _, p := range paths {
		t.Run(p.name, func(t *testing.T) { test(t, p) })
	}
}

// runEngine runs cfg to its end and returns every window and the result.
func runEngine(t *testing.T, ctx context.Context, cfg Config) ([]Window, Result) {
	t.Helper()
	e, err := newEngine(cfg)
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
	const c, dur, interval = 16, 1500 * time.Millisecond, 250 * time.Millisecond
	windows, res := runEngine(t, context.Background(), p.on(Config{
		Targets: []Target{{URL: srv.URL}}, Concurrency: c, Duration: dur, Interval: interval,
	}))
	server := srv.count.Load()
	checkServerCount(t, res, server)
	if res.Unfinished > c {
		t.Errorf("unfinished %d > concurrency %d", res.Unfinished, c)
	}
	if got := srv.peak.Load(); got > c {
		t.Errorf("server saw %d in flight, want at most %d", got, c)
	}
	checkWindows(t, windows, res, interval)
	// The run ends at its deadline, never before: the bound from below
	// holds on any machine. Above, the engine cancels what is in flight at
	// the deadline, so all that remains is for its goroutines to be
	// scheduled; a request left to run out its 30s timeout is the bug this
	// catches, and 10s is far past any machine's scheduling delay.
	if d := res.Duration(); d < dur || d > dur+10*time.Second {
		t.Errorf("run lasted %v, want %v and the moment to cut off what was in flight", d, dur)
	}
}

// checkWindows checks that windows cover the run in order and add up to
// it. How many there are is the ticker's business: one per interval on an
// idle machine, but a collector that a busy machine leaves waiting past a
// tick misses it, and a window then spans two intervals. The ticker can
// never give more than one window per interval elapsed, plus the last,
// partial one.
func checkWindows(t *testing.T, windows []Window, res Result, interval time.Duration) {
	t.Helper()
	var sum int64
	var end time.Duration
	for i, w := range windows {
		sum += w.Requests
		if w.Start < end || w.End < w.Start {
			t.Errorf("window %d spans %v to %v, after one ending at %v", i, w.Start, w.End, end)
		}
		end = w.End
	}
	if sum != res.Requests {
		t.Errorf("windows sum to %d, total %d", sum, res.Requests)
	}
	if end > res.Duration() {
		t.Errorf("windows end at %v, after the run's %v", end, res.Duration())
	}
	if most := int(res.Duration()/interval) + 1; len(windows) < 1 || len(windows) > most {
		t.Errorf("%d windows of %v in %v, want 1 to %d", len(windows), interval, res.Duration(), most)
	}
}

func TestClosedKeepsConcurrencyInFlight(t *testing.T) {
	forEachPath(t, testClosedKeepsConcurrencyInFlight)
}

func testClosedKeepsConcurrencyInFlight(t *testing.T, p path) {
	const c = 5
	srv := newGatheringServer(t, c)
	_, res := runEngine(t, context.Background(), p.on(Config{Targets: []Target{{URL: srv.URL}}, Concurrency: c, Duration: 600 * time.Millisecond}))
	if got := srv.peak.Load(); got != c {
		t.Errorf("server peak in flight = %d, want %d", got, c)
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
	checkSchedule(t, res, rate*secs)
	checkServerCount(t, res, srv.count.Load())
	// Throughput is completed requests over the run's length, which ends
	// once the last request is done.
	m := res.Metrics()
	if got, def := m["throughput"], float64(res.Requests)/res.Duration().Seconds(); math.Abs(got-def) > 1e-9*def {
		t.Errorf("throughput = %v, want requests/duration = %v", got, def)
	}
	// The pacer never runs ahead of the schedule, on any machine: the run
	// lasts at least until its last request was due, (sent−1)/rate, so
	// throughput is at most rate·sent/(sent−1). A busy machine can only
	// lower it.
	if sent := float64(res.Requests + res.Unfinished); sent > 1 && m["throughput"] > rate*sent/(sent-1) {
		t.Errorf("throughput = %v, above the %v/s scheduled", m["throughput"], rate)
	}
	// Nothing is dropped for the target's sake below the cap: what a late
	// pacer drops is only what was due when the deadline passed.
	if res.Dropped > 0 && res.Duration() < secs*time.Second {
		t.Errorf("dropped %d in a run that ended at %v, before its deadline", res.Dropped, res.Duration())
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
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const c = 4
	e, err := newEngine(p.on(Config{Targets: []Target{{URL: srv.URL}}, Concurrency: c, Duration: time.Minute}))
	if err != nil {
		t.Fatal(err)
	}
	windows := e.Start(ctx)
	// Interrupt once the server has seen more requests than there are
	// workers: a closed worker sends its next request only when its last
	// is done, so at least one completed before the interrupt, however
	// slow the machine. A fixed timeout would race the first request.
	var cancelled time.Duration
	go func() {
		for srv.count.Load() <= c {
			if ctx.Err() != nil {
				return // the test ended first
			}
			time.Sleep(time.Millisecond)
		}
		cancelled = time.Since(e.started)
		cancel()
	}()
	for range windows {
	}
	res := e.Result()
	if !res.Interrupted {
		t.Error("Interrupted = false after the context ended")
	}
	// The interrupt cuts off what is in flight: the run ends a scheduling
	// delay after it, not at a request's 30s timeout or the minute's end.
	if d := res.Duration(); d < cancelled || d > cancelled+10*time.Second {
		t.Errorf("an interrupted run lasted %v, interrupted at %v", d, cancelled)
	}
	if res.Requests == 0 {
		t.Error("no requests before the interrupt")
	}
}

func TestClosedStagesRamp(t *testing.T) { forEachPath(t, testClosedStagesRamp) }

func testClosedStagesRamp(t *testing.T, p path) {
	const top = 12
	srv := newGatheringServer(t, top)
	// 1 for 0.5s, up to 12 over 0.5s, then 12 held for 1.5s: the engine
	// reaches the top at its first ramp step after 0.98s, and the hold
	// leaves the ramp's goroutine a second and a half to be scheduled once.
	windows, _ := runEngine(t, context.Background(), p.on(Config{
		Targets: []Target{{URL: srv.URL}}, Concurrency: 1,
		Stages:   []Stage{{500 * time.Millisecond, 1}, {500 * time.Millisecond, top}, {1500 * time.Millisecond, top}},
		Interval: 250 * time.Millisecond,
	}))
	// The gathering server holds every request until 12 are in flight, so
	// its peak is the number of workers the ramp started, not how many of
	// their requests happened to overlap.
	if got := srv.peak.Load(); got != top {
		t.Errorf("peak in flight = %d, want the ramp's top of %d", got, top)
	}
	if len(windows) == 0 {
		t.Fatal("no windows")
	}
	// The level is the profile's at the last ramp step, and time only runs
	// forward: it never falls in a rising ramp, whenever the windows are
	// collected.
	prev := 1.0
	for i, w := range windows {
		if w.Level < prev || w.Level > top {
			t.Errorf("window %d: level %v after %v, want it rising from 1 to %d", i, w.Level, prev, top)
		}
		prev = w.Level
	}
	if last := windows[len(windows)-1].Level; last != top {
		t.Errorf("last window's level = %v, want %d", last, top)
	}
}

func TestOpenStagesRampRate(t *testing.T) { forEachPathInTurn(t, testOpenStagesRampRate) }

func testOpenStagesRampRate(t *testing.T, p path) {
	srv := newCountingServer(t, 0)
	// 1→400/s over 1s then 400/s for 1s: 200.5 + 400 requests due, the
	// 601st a little before the end.
	_, res := runEngine(t, context.Background(), p.on(Config{
		Targets: []Target{{URL: srv.URL}}, Rate: 1,
		Stages: []Stage{{time.Second, 400}, {time.Second, 400}},
	}))
	checkSchedule(t, res, 601)
	checkServerCount(t, res, srv.count.Load())
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
			if _, err := newEngine(cfg); err == nil {
				t.Errorf("newEngine(%s) succeeded", name)
			}
		})
	}
}
