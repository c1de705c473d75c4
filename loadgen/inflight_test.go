package loadgen

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// holdingServer answers after a millisecond until hold, then holds every
// request that arrives until unhold, and notes when the first held one
// arrived: the server's own reading of how long the oldest has waited.
type holdingServer struct {
	*httptest.Server
	mu                  sync.Mutex
	holding             bool
	release             chan struct{}
	firstHeld, released time.Time
}

func newHoldingServer(t *testing.T) *holdingServer {
	s := &holdingServer{release: make(chan struct{})}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		held := s.holding
		if held && s.firstHeld.IsZero() {
			s.firstHeld = time.Now()
		}
		s.mu.Unlock()
		if held {
			<-s.release
		} else {
			time.Sleep(time.Millisecond)
		}
		w.Write([]byte("ok\n"))
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *holdingServer) hold() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.holding = true
}

func (s *holdingServer) unhold() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.holding, s.released = false, time.Now()
	close(s.release)
}

func (s *holdingServer) times() (firstHeld, released time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.firstHeld, s.released
}

func TestOldestInflightDuringAStall(t *testing.T) { forEachPath(t, testOldestInflightDuringAStall) }

func testOldestInflightDuringAStall(t *testing.T, p path) {
	srv := newHoldingServer(t)
	const holdAt, holdFor = 800 * time.Millisecond, time.Second
	start := time.Now()
	go func() {
		// Each moment from the start, so that one late wake-up does not
		// push the release later too.
		time.Sleep(time.Until(start.Add(holdAt)))
		srv.hold()
		time.Sleep(time.Until(start.Add(holdAt + holdFor)))
		srv.unhold()
	}()
	cfg := p.on(Config{Targets: []Target{{Method: "GET", URL: srv.URL}}, Concurrency: 4,
		Duration: 2500 * time.Millisecond, Interval: 100 * time.Millisecond})
	windows, res := runEngine(t, context.Background(), cfg)
	first, released := srv.times()
	if first.IsZero() || released.IsZero() {
		t.Fatal("the stall did not happen within the run")
	}
	mid := first.Add(released.Sub(first) / 2)
	var during, after int
	for _, w := range windows {
		at := res.Started.Add(w.End)
		got := w.Metrics(false)["oldest_inflight"]
		truth := at.Sub(first).Seconds()
		switch {
		case at.After(first.Add(100*time.Millisecond)) && at.Before(released):
			// Sent before the server saw it, so never younger than the
			// server's reading, on any machine. Above, the slack is how
			// long the oldest request had been on its way when the first
			// held one arrived: a loopback trip, which a busy machine
			// stretches to a few hundred milliseconds at worst. Half a
			// second still tells the truth from an age taken from the
			// run's start, which would read at least 0.8s more.
			if got < truth || got > truth+0.5 {
				t.Errorf("window ending %v, in the stall: oldest_inflight = %.3fs, the server says %.3fs", w.End, got, truth)
			}
			during++
		case at.After(released.Add(300 * time.Millisecond)):
			// Every held request was answered at the release, so what is
			// in flight now began after it, or is a held one whose answer
			// is still being read. A reading still carrying the stall
			// would be older than the stall's midpoint; a fresh request
			// would have to take half the stall to be mistaken for one.
			if oldest := at.Sub(mid).Seconds(); got >= oldest {
				t.Errorf("window ending %v, after the stall: oldest_inflight = %.3fs, from before the stall's middle (%.3fs ago)", w.End, got, oldest)
			}
			after++
		}
	}
	if during < 3 || after < 1 {
		t.Errorf("%d windows inside the stall and %d after it, want at least 3 and 1", during, after)
	}
	if _, ok := res.Metrics()["oldest_inflight"]; ok {
		t.Error("the whole run's metrics carry oldest_inflight, a moment's figure")
	}
}

func TestFlightsOldest(t *testing.T) {
	f := newFlights()
	if got := f.oldest(time.Second); got != 0 {
		t.Errorf("no workers: oldest = %v", got)
	}
	a, b := f.add(), f.add()
	a.begin(300 * time.Millisecond)
	b.begin(100 * time.Millisecond)
	if got := f.oldest(time.Second); got != 900*time.Millisecond {
		t.Errorf("oldest = %v, want 900ms", got)
	}
	b.end()
	if got := f.oldest(time.Second); got != 700*time.Millisecond {
		t.Errorf("after the oldest ended: %v, want 700ms", got)
	}
	f.remove(a)
	if got := f.oldest(time.Second); got != 0 {
		t.Errorf("after its worker left: %v, want 0", got)
	}
}
