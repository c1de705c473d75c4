package target

import (
	"net/http"
	"runtime"
	"strings"
	"testing"
)

func TestLeakRaisesAndResetReturnsGoroutines(t *testing.T) {
	_, ts := start(t, Options{})
	mustGet(t, ts, "/ok", http.StatusOK) // open the keep-alive connection first
	base := settledGoroutines()

	const n = 200
	if got, want := mustGet(t, ts, "/leak?n=200", http.StatusOK), "leaked 200 goroutines, 200 in total\n"; got != want {
		t.Errorf("/leak?n=200: got %q, want %q", got, want)
	}
	eventually(t, "goroutines to rise by 200", func() bool { return runtime.NumGoroutine() >= base+n })
	if got := gauge(t, scrape(t, ts), "strain_target_leaked_goroutines"); got != n {
		t.Errorf("strain_target_leaked_goroutines: got %v, want %d", got, n)
	}
	profile := mustGet(t, ts, "/debug/pprof/goroutine?debug=1", http.StatusOK)
	if !strings.Contains(profile, "target.leakedWorker") {
		t.Errorf("goroutine profile: want a mention of target.leakedWorker, got:\n%s", profile)
	}

	mustGet(t, ts, "/leak/reset", http.StatusOK)
	eventually(t, "goroutines to return to the baseline", func() bool { return runtime.NumGoroutine() <= base })
	if got := gauge(t, scrape(t, ts), "strain_target_leaked_goroutines"); got != 0 {
		t.Errorf("strain_target_leaked_goroutines after reset: got %v, want 0", got)
	}
}

func TestLeakRefusesPastCap(t *testing.T) {
	srv, ts := start(t, Options{})
	srv.leaks.limit = 5 // the real cap would mean a million goroutines
	mustGet(t, ts, "/leak?n=4", http.StatusOK)
	code, body := get(t, ts, "/leak?n=2")
	if code != http.StatusInsufficientStorage {
		t.Errorf("/leak?n=2 past the cap: got status %d, want %d (body %q)", code, http.StatusInsufficientStorage, body)
	}
	if got := gauge(t, scrape(t, ts), "strain_target_leaked_goroutines"); got != 4 {
		t.Errorf("strain_target_leaked_goroutines after a refused leak: got %v, want 4", got)
	}
}
