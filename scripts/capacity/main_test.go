//go:build unix

package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// serve starts cfg's service under httptest.
func serve(t *testing.T, cfg config) *httptest.Server {
	t.Helper()
	h, err := newServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return ts
}

// get fetches url and returns its status and body.
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

// getStats fetches and decodes ts's /stats.
func getStats(t *testing.T, ts *httptest.Server) stats {
	t.Helper()
	code, body := get(t, ts.URL+"/stats")
	var s stats
	if err := json.Unmarshal([]byte(body), &s); code != http.StatusOK || err != nil {
		t.Fatalf("/stats: %d %q: %v", code, body, err)
	}
	return s
}

// concurrently makes n requests to url at once and returns the wall time
// until the last one is answered, and the count of each status.
func concurrently(t *testing.T, n int, url string) (time.Duration, map[int]int) {
	t.Helper()
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		codes = map[int]int{}
	)
	t0 := time.Now()
	for range n {
		wg.Go(func() {
			code, _ := get(t, url)
			mu.Lock()
			codes[code]++
			mu.Unlock()
		})
	}
	wg.Wait()
	return time.Since(t0), codes
}

func TestWorkersQueueBeyondTheirCount(t *testing.T) {
	const service = 20 * time.Millisecond
	ts := serve(t, config{Mode: "workers", Workers: 2, Service: service})

	// Two requests find two free workers: about one service time. Noise
	// only adds time, so the best of three tries shows the construction.
	best := time.Hour
	for range 3 {
		took, codes := concurrently(t, 2, ts.URL+"/")
		if codes[http.StatusOK] != 2 {
			t.Fatalf("2 requests: statuses %v, want 2 × 200", codes)
		}
		best = min(best, took)
	}
	if best < service || best >= 2*service {
		t.Errorf("2 requests on 2 workers took %s (best of 3), want one service time (%s to %s)", best, service, 2*service)
	}
	if s := getStats(t, ts); s.Waited != 0 || s.Served != 6 {
		t.Errorf("after 3 × 2 requests: %+v, want 6 served, none waited", s)
	}

	// Four requests: the last two wait for the first two.
	took, codes := concurrently(t, 4, ts.URL+"/")
	if codes[http.StatusOK] != 4 {
		t.Fatalf("4 requests: statuses %v, want 4 × 200", codes)
	}
	if took < 2*service {
		t.Errorf("4 requests on 2 workers took %s, want two service times (>= %s)", took, 2*service)
	}
	if took > 2*time.Second {
		t.Errorf("4 requests on 2 workers took %s, want about %s", took, 2*service)
	}
	s := getStats(t, ts)
	if s.Served != 10 || s.Rejected != 0 || s.Queued != 0 || s.CapacityRPS != 100 {
		t.Errorf("stats %+v, want 10 served, none rejected or queued, capacity 100 req/s", s)
	}
}

// TestWorkersServeOnePerServiceTime: a backlog of 10 requests on 2 workers
// takes 5 service times, not less.
func TestWorkersServeOnePerServiceTime(t *testing.T) {
	const service = 20 * time.Millisecond
	ts := serve(t, config{Mode: "workers", Workers: 2, Service: service})
	took, codes := concurrently(t, 10, ts.URL+"/")
	if codes[http.StatusOK] != 10 {
		t.Fatalf("statuses %v, want 10 × 200", codes)
	}
	if took < 5*service || took > 5*time.Second {
		t.Errorf("10 requests on 2 workers took %s, want about 5 service times (%s)", took, 5*service)
	}
	if s := getStats(t, ts); s.Served != 10 || s.Waited < 1 {
		t.Errorf("stats %+v, want 10 served, some after waiting", s)
	}
}

// TestHoldKeepsTheWorkersTimeline: a hold ends exactly one service time
// after the later of the request's arrival and the end of the worker's
// previous hold, so a sleep's overshoot does not add up over a backlog.
func TestHoldKeepsTheWorkersTimeline(t *testing.T) {
	const d = 5 * time.Millisecond
	var w worker
	t0 := time.Now()
	end := w.hold(t0, d) // idle worker: from the arrival
	if want := t0.Add(d); !end.Equal(want) {
		t.Errorf("first hold ends %s after arrival, want %s", end.Sub(t0), d)
	}
	if now := time.Now(); now.Before(end) {
		t.Errorf("hold returned %s before its end", end.Sub(now))
	}
	// A request queued before the first hold ended: back to back, even
	// though the sleep overshot.
	end = w.hold(t0.Add(time.Millisecond), d)
	if want := t0.Add(2 * d); !end.Equal(want) {
		t.Errorf("queued hold ends %s after the first arrival, want %s", end.Sub(t0), 2*d)
	}
	// A request arriving after the worker fell idle: from its arrival.
	time.Sleep(2 * d)
	late := time.Now()
	if end = w.hold(late, d); !end.Equal(late.Add(d)) {
		t.Errorf("hold after idling ends %s after arrival, want %s", end.Sub(late), d)
	}
}

func TestWorkersDropRequestsWhoseClientLeft(t *testing.T) {
	ts := serve(t, config{Mode: "workers", Workers: 1, Service: 300 * time.Millisecond})
	busy := make(chan struct{})
	go func() { defer close(busy); get(t, ts.URL+"/") }()
	deadline := time.Now().Add(5 * time.Second)
	for getStats(t, ts).Busy == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond) // until the first request has the worker
	}
	client := &http.Client{Timeout: 50 * time.Millisecond}
	if _, err := client.Get(ts.URL + "/"); err == nil {
		t.Fatal("a request behind a 300ms one answered within 50ms")
	}
	<-busy
	deadline = time.Now().Add(2 * time.Second)
	for getStats(t, ts).Abandoned != 1 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if s := getStats(t, ts); s.Abandoned != 1 || s.Served != 1 || s.Queued != 0 || s.Busy != 0 {
		t.Errorf("stats %+v, want 1 served, 1 abandoned, none queued or busy", s)
	}
}

// stoppedClock is a clock that moves only when told.
type stoppedClock struct{ ns atomic.Int64 }

func (c *stoppedClock) now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *stoppedClock) advance(d time.Duration) { c.ns.Add(int64(d)) }

func TestBucketRejectsBeyondItsBurst(t *testing.T) {
	clock := &stoppedClock{}
	clock.ns.Store(time.Now().UnixNano())
	ts := serve(t, config{Mode: "bucket", Rate: 10, Burst: 5, Now: clock.now})

	_, codes := concurrently(t, 8, ts.URL+"/")
	if codes[http.StatusOK] != 5 || codes[http.StatusTooManyRequests] != 3 {
		t.Errorf("8 requests: statuses %v, want 5 × 200 and 3 × 429", codes)
	}
	clock.advance(100 * time.Millisecond) // one token at 10 a second
	_, codes = concurrently(t, 3, ts.URL+"/")
	if codes[http.StatusOK] != 1 || codes[http.StatusTooManyRequests] != 2 {
		t.Errorf("3 requests 100ms later: statuses %v, want 1 × 200 and 2 × 429", codes)
	}
	if s := getStats(t, ts); s.Served != 6 || s.Rejected != 5 || s.CapacityRPS != 10 {
		t.Errorf("stats %+v, want 6 served, 5 rejected, capacity 10 req/s", s)
	}
}

// TestBucketOnTheRealClock: at one token a second, 8 requests in a row are
// over well before the sixth token.
func TestBucketOnTheRealClock(t *testing.T) {
	ts := serve(t, config{Mode: "bucket", Rate: 1, Burst: 5})
	codes := map[int]int{}
	for range 8 {
		code, _ := get(t, ts.URL+"/")
		codes[code]++
	}
	if codes[http.StatusOK] != 5 || codes[http.StatusTooManyRequests] != 3 {
		t.Errorf("8 requests: statuses %v, want 5 × 200 and 3 × 429", codes)
	}
}

func TestDefaultBurstIsTenMillisecondsOfTokens(t *testing.T) {
	for r, want := range map[float64]int{2000: 20, 150: 2, 10: 1, 0.5: 1} {
		if got := defaultBurst(r); got != want {
			t.Errorf("defaultBurst(%g) = %d, want %d", r, got, want)
		}
	}
}

func TestServiceIgnoresBodiesAndPaths(t *testing.T) {
	ts := serve(t, config{Mode: "bucket", Rate: 1000, Burst: 10})
	resp, err := http.Post(ts.URL+"/any/path", "application/octet-stream", strings.NewReader(strings.Repeat("x", 100<<10)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("POST /any/path: %d, want 200", resp.StatusCode)
	}
}

func TestBadConfigIsAnError(t *testing.T) {
	for _, cfg := range []config{
		{Mode: "bogus"},
		{Mode: "workers", Workers: 0, Service: time.Millisecond},
		{Mode: "workers", Workers: 1},
		{Mode: "bucket"},
		{Mode: "bucket", Rate: 10, Burst: -1},
	} {
		if _, err := newServer(cfg); !errors.Is(err, errBadConfig) {
			t.Errorf("newServer(%+v): %v, want errBadConfig", cfg, err)
		}
	}
}

// runMain starts main in a child process (this test binary) with args.
func runMain(t *testing.T, name string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+name+"$")
	cmd.Env = append(os.Environ(), "CAPACITY_RUN_MAIN="+strings.Join(args, " "))
	return cmd
}

// childMain runs main when this is runMain's child; it reports whether it was.
func childMain() bool {
	args, ok := os.LookupEnv("CAPACITY_RUN_MAIN")
	if !ok {
		return false
	}
	os.Args = append([]string{"capacity"}, strings.Fields(args)...)
	main()
	return true
}

func TestMainPrintsItsAddressAndStopsOnSIGTERM(t *testing.T) {
	if childMain() {
		return
	}
	cmd := runMain(t, "TestMainPrintsItsAddressAndStopsOnSIGTERM",
		"--listen", "127.0.0.1:0", "--mode", "workers", "--workers", "2", "--service", "5ms")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	lines := bufio.NewScanner(out)
	if !lines.Scan() {
		t.Fatalf("no first line: %v", lines.Err())
	}
	addr, found := strings.CutPrefix(lines.Text(), "listening on 127.0.0.1:")
	if !found {
		t.Fatalf("first line %q, want listening on 127.0.0.1:PORT", lines.Text())
	}
	if !lines.Scan() || !strings.Contains(lines.Text(), "capacity is 2/5ms = 400 req/s") {
		t.Errorf("second line %q, want the capacity", lines.Text())
	}
	if code, body := get(t, "http://127.0.0.1:"+addr+"/"); code != http.StatusOK || body != "ok\n" {
		t.Errorf("GET /: %d %q, want 200 ok", code, body)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, out)
	if err := cmd.Wait(); err != nil {
		t.Errorf("after SIGTERM: %v, want exit status 0", err)
	}
}

func TestBadModeExits2(t *testing.T) {
	if childMain() {
		return
	}
	cmd := runMain(t, "TestBadModeExits2", "--mode", "bogus")
	stderr, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 2 {
		t.Fatalf("capacity --mode bogus: %v, want exit status 2", err)
	}
	if !strings.Contains(string(stderr), "unknown mode") {
		t.Errorf("capacity --mode bogus said %q, want it to name the unknown mode", stderr)
	}
}
