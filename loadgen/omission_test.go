package loadgen

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// stallServer answers at once, except that from stallAt for stallFor every
// response is held until the stall ends, like a process paused by GC or
// SIGSTOP.
func stallServer(t *testing.T, start time.Time, stallAt, stallFor time.Duration) *httptest.Server {
	var mu sync.Mutex
	var until time.Time
	go func() {
		time.Sleep(time.Until(start.Add(stallAt)))
		mu.Lock()
		until = time.Now().Add(stallFor)
		mu.Unlock()
	}()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		wait := time.Until(until)
		mu.Unlock()
		if wait > 0 {
			time.Sleep(wait)
		}
		w.Write([]byte("ok"))
	}))
	t.Cleanup(srv.Close)
	return srv
}

// Under a constant rate R over D with one stall of S, the requests scheduled
// during the stall wait until it ends: a fraction (S−x)/D of all requests
// takes longer than x, for x < S. The corrected percentiles must carry that;
// the uncorrected ones, timed from a send that the capped generator delayed
// until the stall was over, must not.
func TestCoordinatedOmissionCorrected(t *testing.T) {
	forEachPathInTurn(t, testCoordinatedOmissionCorrected)
}

func testCoordinatedOmissionCorrected(t *testing.T, p path) {
	const (
		rate = 200.0
		dur  = 6 * time.Second
		S    = time.Second
	)
	start := time.Now()
	srv := stallServer(t, start, 2*time.Second, S)
	_, res := runEngine(t, context.Background(), p.on(Config{
		Targets: []Target{{URL: srv.URL}}, Rate: rate, Concurrency: 4, Duration: dur,
	}))
	m := res.Metrics()
	t.Logf("corrected p50 %.4f p90 %.4f p95 %.4f p99 %.4f max %.4f; uncorrected p99 %.4f max %.4f; late %d dropped %d",
		m["latency.p50"], m["latency.p90"], m["latency.p95"], m["latency.p99"], m["latency.max"],
		m["latency_uncorrected.p99"], m["latency_uncorrected.max"], res.Late, res.Dropped)
	// quantile q is exceeded by a fraction 1−q, so x = S − (1−q)·D.
	//
	// That is a floor on any machine: a request intended during the stall
	// reaches the server after the stall began, is held until it ends, and
	// so takes at least until the end from its intended start. The floor's
	// slack covers one request either side and the histogram's rounding.
	// What a busy machine adds comes above it: once the stall ends, the
	// requests queued behind the 4 workers go out 4 at a time, and their
	// latency grows until the queue drains, which on 2 loaded cores under
	// the race detector takes a few hundred milliseconds. The ceiling
	// allows a whole stall more: it catches a latency timed from the
	// wrong moment, such as the run's start, or a stall counted twice.
	expect := func(q float64) float64 { return S.Seconds() - (1-q)*dur.Seconds() }
	for _, tc := range []struct {
		name string
		q    float64
	}{{"latency.p90", 0.90}, {"latency.p95", 0.95}, {"latency.p99", 0.99}} {
		want := expect(tc.q)
		if got := m[tc.name]; got < want-0.1 || got > want+S.Seconds() {
			t.Errorf("%s = %.3fs, want at least %.3fs (queueing theory) and less than a stall more", tc.name, got, want)
		}
	}
	if got := m["latency.max"]; got < 0.9*S.Seconds() || got > 2*S.Seconds() {
		t.Errorf("latency.max = %.3fs, want about the stall, %v", got, S)
	}
	// Half the requests were due well away from the stall and its queue:
	// what they show is the pacer's lag and a loopback round trip, which
	// even a busy machine keeps far under a quarter of the stall.
	if got := m["latency.p50"]; got > S.Seconds()/4 {
		t.Errorf("latency.p50 = %.3fs: most requests never met the stall", got)
	}
	// Only the requests sent into the stall, at most one per worker, saw
	// it uncorrected: 4 are 0.3% of the run, under the p99. Carrying the
	// stall would put the p99 near the corrected one's, above 0.9s; half a
	// stall is a margin no loopback round trip reaches.
	if got := m["latency_uncorrected.p99"]; got > S.Seconds()/2 {
		t.Errorf("latency_uncorrected.p99 = %.3fs, want well under the stall", got)
	}
	// The first request sent into the stall is held for almost all of it,
	// less the pacer's lag in sending it.
	if got := m["latency_uncorrected.max"]; got < S.Seconds()/2 {
		t.Errorf("latency_uncorrected.max = %.3fs: the requests caught in the stall saw it", got)
	}
	// Of the requests due during the stall, only the 4 that found a worker
	// free went out on time; a busy machine makes more late, never fewer.
	if res.Late < int64(rate*S.Seconds()*0.8) {
		t.Errorf("late = %d, want about the %v requests scheduled during the stall", res.Late, rate*S.Seconds())
	}
	if res.Requests+res.Unfinished+res.Dropped != int64(rate*dur.Seconds()) {
		t.Errorf("completed %d + unfinished %d + dropped %d != %v scheduled", res.Requests, res.Unfinished, res.Dropped, rate*dur.Seconds())
	}
}
