package target

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// result is the outcome of a request sent by sendAsync.
type result struct {
	code int
	body string
	err  error
	at   time.Time // when the response was read
}

// sendAsync sends a GET for path from another goroutine.
func sendAsync(ts *httptest.Server, path string) <-chan result {
	out := make(chan result, 1)
	go func() {
		code, body, err := fetch(context.Background(), ts, http.MethodGet, path)
		out <- result{code, body, err, time.Now()}
	}()
	return out
}

// await returns r's result, failing the test on a transport error.
func await(t *testing.T, r <-chan result) result {
	t.Helper()
	res := <-r // fetch bounds the wait by testTimeout
	if res.err != nil {
		t.Fatal(res.err)
	}
	return res
}

func TestStallHoldsRequestsUntilItsEnd(t *testing.T) {
	_, ts := start(t, Options{})
	begin := time.Now()
	body := mustGet(t, ts, "/admin/stall?for=500ms", http.StatusOK)
	end, err := time.Parse(time.RFC3339Nano, strings.TrimSuffix(strings.TrimPrefix(body, "stall ends at "), "\n"))
	if err != nil {
		t.Fatalf("/admin/stall body %q: want \"stall ends at <RFC 3339 time>\": %v", body, err)
	}
	if want := begin.Add(500 * time.Millisecond).Round(0); end.Before(want) {
		t.Errorf("/admin/stall?for=500ms: got end %v, want at least %v", end, want)
	}

	if got := mustGet(t, ts, "/ok", http.StatusOK); got != "ok\n" {
		t.Errorf("/ok after a stall: got %q, want %q", got, "ok\n")
	}
	// The stall was set after begin, so it ends at least 500ms after it.
	if got := time.Since(begin); got < 500*time.Millisecond {
		t.Errorf("/ok during a 500ms stall: answered %v after the stall began, want at least 500ms", got)
	}
}

func TestStallFromGo(t *testing.T) {
	srv, ts := start(t, Options{})
	begin := time.Now()
	srv.Stall(300 * time.Millisecond)
	mustGet(t, ts, "/cpu?ms=1", http.StatusOK)
	if got := time.Since(begin); got < 300*time.Millisecond {
		t.Errorf("/cpu during a 300ms stall: answered after %v, want at least 300ms", got)
	}
}

func TestStallSparesAdminMetricsAndDebug(t *testing.T) {
	srv, ts := start(t, Options{})
	// A stalled request would wait a minute, past fetch's testTimeout.
	srv.Stall(time.Minute)
	tests := []struct {
		path   string
		status int
	}{
		{"/metrics", http.StatusOK},
		{"/debug/pprof/", http.StatusOK},
		{"/debug/pprof/cmdline", http.StatusOK},
		{"/debug/nope", http.StatusNotFound},
		{"/admin/nope", http.StatusNotFound},
		{"/admin/stall?for=1m", http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			mustGet(t, ts, tt.path, tt.status)
		})
	}
	if got := gauge(t, scrape(t, ts), "strain_target_stalled"); got != 1 {
		t.Errorf("strain_target_stalled during a stall: got %v, want 1", got)
	}
}

func TestStallEndsEarly(t *testing.T) {
	_, ts := start(t, Options{})
	mustGet(t, ts, "/admin/stall?for=1m", http.StatusOK)
	held := sendAsync(ts, "/ok")
	// Only the direction that cannot flake: had the stall not held the
	// request, a busy machine might hide it, but never invent it.
	select {
	case res := <-held:
		t.Fatalf("/ok during a 1m stall: answered at once with %d %q, want it held", res.code, res.body)
	case <-time.After(100 * time.Millisecond):
	}

	code, body := do(t, ts, http.MethodPost, "/admin/stall?for=0")
	if code != http.StatusOK || !strings.HasPrefix(body, "stall ends at ") {
		t.Errorf("POST /admin/stall?for=0: got %d %q, want 200 \"stall ends at ...\"", code, body)
	}
	if res := await(t, held); res.code != http.StatusOK || res.body != "ok\n" {
		t.Errorf("/ok held by an ended stall: got %d %q, want 200 %q", res.code, res.body, "ok\n")
	}
	if got := gauge(t, scrape(t, ts), "strain_target_stalled"); got != 0 {
		t.Errorf("strain_target_stalled after for=0: got %v, want 0", got)
	}
}

func TestStallHoldsResponsesInFlight(t *testing.T) {
	srv, ts := start(t, Options{})
	inFlight := sendAsync(ts, "/slow?ms=100")
	// Give /slow a head start so it is likely mid-handler when the stall
	// begins. Either way its response must come after the stall's end.
	time.Sleep(50 * time.Millisecond)
	stallBegan := time.Now()
	srv.Stall(700 * time.Millisecond)
	res := await(t, inFlight)
	if res.code != http.StatusOK {
		t.Errorf("/slow?ms=100: got status %d, want 200", res.code)
	}
	if got := res.at.Sub(stallBegan); got < 700*time.Millisecond {
		t.Errorf("/slow in flight when a 700ms stall began: answered %v after, want at least 700ms", got)
	}
}

func TestStallWaitHonoursCancel(t *testing.T) {
	srv, ts := start(t, Options{})
	srv.Stall(time.Minute)
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	_, _, err := fetch(ctx, ts, http.MethodGet, "/ok")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("/ok with a 100ms deadline during a 1m stall: got error %v, want %v", err, context.DeadlineExceeded)
	}
	if got := srv.Requests(); got != 1 {
		t.Errorf("Requests() after one stalled request: got %d, want 1", got)
	}
}
