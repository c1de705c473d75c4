package monitor

import (
	"net/http"
	"net/http/httptest"
	"net/http/pprof"
	"runtime"
	"sync"
	"testing"
	"time"
)

// A goroutine dump counts the goroutines, and those parked on a lock at
// that instant: ten goroutines queued on a held mutex are ten, against
// the runtime's own count of goroutines.
func TestPprofWaitsCountsLockWaiters(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	var mu sync.Mutex
	mu.Lock()
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() { mu.Lock(); mu.Unlock() })
	}
	defer wg.Wait()
	defer mu.Unlock()
	src := NewPprofWaits(srv.URL+"/debug/pprof", srv.Client())
	var m Metrics
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		var err error
		if m, err = src.Sample(t.Context()); err != nil {
			t.Fatal(err)
		}
		if m["mutex_waiters"] == 10 {
			break
		}
	}
	if m["mutex_waiters"] != 10 {
		t.Errorf("mutex_waiters = %v, want the 10 goroutines queued on the lock", m["mutex_waiters"])
	}
	if n := float64(runtime.NumGoroutine()); m["goroutines"] < n-5 || m["goroutines"] > n+5 {
		t.Errorf("goroutines = %v, want about %v (runtime.NumGoroutine)", m["goroutines"], n)
	}
}

// A body that is no goroutine dump is an error, not zero goroutines.
func TestPprofWaitsRejectsOtherBodies(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("<html>hello</html>\n")) }))
	defer srv.Close()
	if m, err := NewPprofWaits(srv.URL, srv.Client()).Sample(t.Context()); err == nil {
		t.Errorf("Sample = %v, want an error", m)
	}
}

// With trace windows off, discovery samples a pprof target's lock waits
// from its goroutine dumps instead; with them on, the windows read them.
func TestDiscoverSamplesWaitsWithoutTraces(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	for _, c := range []struct {
		trace         TraceConfig
		waits, traced bool
	}{{TraceConfig{Every: -1}, true, false}, {TraceConfig{}, false, true}} {
		target, _ := Spec{Name: "api", Bases: []string{srv.URL}, Trace: c.trace}.Discover(t.Context(), srv.Client())
		var waits, traced bool
		for _, s := range target.Sources {
			_, w := s.(*pprofWaits)
			_, tr := s.(*traceSource)
			waits, traced = waits || w, traced || tr
		}
		if waits != c.waits || traced != c.traced {
			t.Errorf("trace %+v: dump sampler %v, trace windows %v; want %v and %v", c.trace, waits, traced, c.waits, c.traced)
		}
		for _, s := range target.Sources {
			if cl, ok := s.(interface{ Close() error }); ok {
				cl.Close()
			}
		}
	}
}

// A dump stops the target's world: it is taken one sample in dumpEvery,
// the others reading the profile's header alone.
func TestPprofWaitsDumpsRarely(t *testing.T) {
	var dumps, headers int
	var mu sync.Mutex
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		if r.URL.Query().Get("debug") == "2" {
			dumps++
		} else {
			headers++
		}
		mu.Unlock()
		pprof.Index(w, r)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	src := NewPprofWaits(srv.URL+"/debug/pprof", srv.Client())
	for range 2 * dumpEvery {
		if _, err := src.Sample(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	if dumps != 2 || headers != 2*dumpEvery-2 {
		t.Errorf("%d dumps and %d header reads in %d samples, want 2 and %d", dumps, headers, 2*dumpEvery, 2*dumpEvery-2)
	}
}
