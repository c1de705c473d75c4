package loadgen

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// A server that closes kept-alive connections idle for 0.3 s (as Node's
// and many proxies' do, at 5 s) never fails a POST sent 0.5 s after the
// last: the wire path sees the closed connection before it reuses it.
// Before, 25–50% of such requests failed as eof, since a POST is not safe
// to send twice.
func TestIdleClosedConnectionIsNotReused(t *testing.T) {
	var served atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		served.Add(1)
	}))
	srv.Config.IdleTimeout = 300 * time.Millisecond
	srv.Start()
	defer srv.Close()
	_, res := runEngine(t, context.Background(), Config{
		Targets: []Target{{Method: "POST", URL: srv.URL, Body: []byte(`{"a":1}`)}},
		Rate:    2, Concurrency: 1, Duration: 3 * time.Second,
	})
	if res.Errors != 0 || res.Requests == 0 {
		t.Errorf("%d of %d requests failed: %v", res.Errors, res.Requests, res.Kinds)
	}
	if got := served.Load(); got != res.Requests {
		t.Errorf("server answered %d, strain counted %d", got, res.Requests)
	}
}
