package target

import (
	"net/http"
	"runtime"
	"strings"
	"testing"
)

func TestCloseStopsHogsAndReleasesEverything(t *testing.T) {
	srv, ts := start(t, Options{})
	mustGet(t, ts, "/ok", http.StatusOK) // open the keep-alive connection first
	base := settledGoroutines()

	if got, want := mustGet(t, ts, "/hog?ms=60000&g=2", http.StatusAccepted), "started 2 hogs for 60000ms\n"; got != want {
		t.Errorf("/hog: got %q, want %q", got, want)
	}
	mustGet(t, ts, "/leak?n=50", http.StatusOK)
	mustGet(t, ts, "/alloc?kb=4", http.StatusOK)
	mustGet(t, ts, "/admin/stall?for=1m", http.StatusOK)
	if profile := goroutineProfile(t); !strings.Contains(profile, "target.hog(") {
		t.Fatalf("goroutine profile with hogs running: want target.hog in it, got:\n%s", profile)
	}

	// Close waits for the hogs, so none may be left when it returns.
	srv.Close()
	if profile := goroutineProfile(t); strings.Contains(profile, "target.hog(") {
		t.Errorf("goroutine profile after Close: want no target.hog, got:\n%s", profile)
	}
	eventually(t, "leaked goroutines and hogs to exit", func() bool { return runtime.NumGoroutine() <= base })

	families := scrape(t, ts)
	for _, name := range []string{"strain_target_leaked_goroutines", "strain_target_retained_bytes", "strain_target_stalled"} {
		if got := gauge(t, families, name); got != 0 {
			t.Errorf("%s after Close: got %v, want 0", name, got)
		}
	}
	// Close is a reset, not an end: the server still serves.
	if got := mustGet(t, ts, "/ok", http.StatusOK); got != "ok\n" {
		t.Errorf("/ok after Close: got %q, want %q", got, "ok\n")
	}
}

// goroutineProfile returns this process's goroutine stacks.
func goroutineProfile(t *testing.T) string {
	t.Helper()
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return string(buf[:n])
		}
		buf = make([]byte, 2*len(buf))
	}
}
