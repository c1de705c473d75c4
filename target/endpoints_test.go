package target

import (
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestEndpoints(t *testing.T) {
	_, ts := start(t, Options{})
	defaultHogs := 4 * runtime.GOMAXPROCS(0)
	tests := []struct {
		name   string
		method string
		path   string
		status int
		body   string // exact, unless prefix is set
		prefix bool
	}{
		{"root", "GET", "/", 200, "ok\n", false},
		{"ok", "GET", "/ok", 200, "ok\n", false},
		{"ok by POST", "POST", "/ok", 200, "ok\n", false},
		{"cpu default", "GET", "/cpu", 200, "burned 10ms of cpu\n", false},
		{"cpu", "GET", "/cpu?ms=3", 200, "burned 3ms of cpu\n", false},
		{"slow", "GET", "/slow?ms=5", 200, "slept 5ms\n", false},
		{"leak", "GET", "/leak?n=3", 200, "leaked 3 goroutines, 3 in total\n", false},
		{"leak default", "GET", "/leak", 200, "leaked 1 goroutines, 4 in total\n", false},
		{"leak reset", "GET", "/leak/reset", 200, "leaked 0 goroutines in total\n", false},
		{"alloc", "GET", "/alloc?kb=2", 200, "retained 2 KiB, 2048 bytes in total\n", false},
		{"alloc default", "GET", "/alloc", 200, "retained 1024 KiB, 1050624 bytes in total\n", false},
		{"alloc reset", "GET", "/alloc/reset", 200, "retained 0 bytes in total\n", false},
		{"lock", "GET", "/lock?ms=1", 200, "held lock 1ms\n", false},
		{"lock default", "GET", "/lock", 200, "held lock 5ms\n", false},
		{"hog", "GET", "/hog?ms=1&g=2", 202, "started 2 hogs for 1ms\n", false},
		{"hog default g", "GET", "/hog?ms=0", 202, fmt.Sprintf("started %d hogs for 0ms\n", defaultHogs), false},
		{"fail never", "GET", "/fail?p=0", 200, "ok\n", false},
		{"fail always", "GET", "/fail?p=1", 500, "injected failure\n", false},
		{"fail with code", "GET", "/fail?p=1&code=503", 503, "injected failure\n", false},
		{"stall end by GET", "GET", "/admin/stall?for=0", 200, "stall ends at ", true},
		{"stall end by POST", "POST", "/admin/stall?for=0s", 200, "stall ends at ", true},

		{"cpu not a number", "GET", "/cpu?ms=x", 400, "ms: ", true},
		{"cpu negative", "GET", "/cpu?ms=-1", 400, "ms: ", true},
		{"cpu over cap", "GET", "/cpu?ms=10001", 400, "ms: ", true},
		{"slow over cap", "GET", "/slow?ms=60001", 400, "ms: ", true},
		{"slow float", "GET", "/slow?ms=1.5", 400, "ms: ", true},
		{"leak negative", "GET", "/leak?n=-1", 400, "n: ", true},
		{"leak over cap", "GET", "/leak?n=1000001", 400, "n: ", true},
		{"alloc not a number", "GET", "/alloc?kb=abc", 400, "kb: ", true},
		{"alloc over cap", "GET", "/alloc?kb=2097153", 400, "kb: ", true},
		{"lock not a number", "GET", "/lock?ms=1e3", 400, "ms: ", true},
		{"hog no goroutines", "GET", "/hog?g=0", 400, "g: ", true},
		{"hog too many goroutines", "GET", "/hog?g=1001", 400, "g: ", true},
		{"hog too long", "GET", "/hog?ms=60001", 400, "ms: ", true},
		{"fail p over 1", "GET", "/fail?p=1.5", 400, "p: ", true},
		{"fail p NaN", "GET", "/fail?p=NaN", 400, "p: ", true},
		{"fail code 2xx", "GET", "/fail?code=200", 400, "code: ", true},
		{"fail code 600", "GET", "/fail?code=600", 400, "code: ", true},
		{"stall missing for", "GET", "/admin/stall", 400, "for: ", true},
		{"stall bad for", "GET", "/admin/stall?for=abc", 400, "for: ", true},
		{"stall negative", "POST", "/admin/stall?for=-1s", 400, "for: ", true},
		{"stall over cap", "GET", "/admin/stall?for=11m", 400, "for: ", true},

		{"stall by PUT", "PUT", "/admin/stall?for=0", 405, "", true},
		{"unknown", "GET", "/nope", 404, "404 page not found\n", false},
		{"ok subpath", "GET", "/ok/", 404, "404 page not found\n", false},
		{"leak reset subpath", "GET", "/leak/reset/x", 404, "404 page not found\n", false},
		{"unknown admin", "GET", "/admin/nope", 404, "404 page not found\n", false},
		{"unknown debug", "GET", "/debug/nope", 404, "404 page not found\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := do(t, ts, tt.method, tt.path)
			if code != tt.status {
				t.Errorf("%s %s: got status %d, want %d (body %q)", tt.method, tt.path, code, tt.status, body)
			}
			if tt.prefix && !strings.HasPrefix(body, tt.body) {
				t.Errorf("%s %s: got body %q, want prefix %q", tt.method, tt.path, body, tt.body)
			}
			if !tt.prefix && body != tt.body {
				t.Errorf("%s %s: got body %q, want %q", tt.method, tt.path, body, tt.body)
			}
			if code == http.StatusBadRequest && strings.Count(body, "\n") != 1 {
				t.Errorf("%s %s: got %q, want a one-line message", tt.method, tt.path, body)
			}
		})
	}
}

func TestSlowTakesAtLeastItsTime(t *testing.T) {
	_, ts := start(t, Options{})
	begin := time.Now()
	mustGet(t, ts, "/slow?ms=200", http.StatusOK)
	if got := time.Since(begin); got < 200*time.Millisecond {
		t.Errorf("/slow?ms=200: got %v, want at least 200ms", got)
	}
}

func TestCPUBurnsAtLeastItsTime(t *testing.T) {
	_, ts := start(t, Options{})
	begin := time.Now()
	mustGet(t, ts, "/cpu?ms=100", http.StatusOK)
	if got := time.Since(begin); got < 100*time.Millisecond {
		t.Errorf("/cpu?ms=100: got %v, want at least 100ms", got)
	}
}

func TestLockSerialises(t *testing.T) {
	_, ts := start(t, Options{})
	const n, ms = 4, 50
	begin := time.Now()
	errs := make(chan error)
	for range n {
		go func() {
			_, _, err := fetch(t.Context(), ts, "GET", fmt.Sprintf("/lock?ms=%d", ms))
			errs <- err
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	// Concurrent holders queue on one mutex, so their times add up.
	if got, want := time.Since(begin), n*ms*time.Millisecond; got < want {
		t.Errorf("%d concurrent /lock?ms=%d: got %v, want at least %v", n, ms, got, want)
	}
}
