package loadgen

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// TestNoAnswerGoesUnseen sends many requests, each over a connection that
// waits for the answer in the same poller call as the write (rawIO.Send),
// to a server in another process that answers at once: the answer often
// lands while the write's call is still returning. Were its arrival lost,
// the request would wait out its timeout: it took 688 timeouts in 20,000
// requests when the poller was asked to wait after the write's call.
func TestNoAnswerGoesUnseen(t *testing.T) {
	url := cannedProcess(t)
	const n = 20000
	_, res := runEngine(t, context.Background(), Config{
		Targets: []Target{{URL: url}}, Concurrency: 4, Requests: n,
		Timeout: 5 * time.Second, Duration: 30 * time.Second, // so that a failure fails in bounded time
	})
	if res.Requests != n || res.Errors != 0 {
		t.Fatalf("%d requests, %d errors (%v); want %d, none", res.Requests, res.Errors, res.Kinds, n)
	}
}

// TestBodyLargerThanTheSocketBuffer sends bodies too big for one write:
// the wire path's Send writes what the socket takes and the rest is
// written waiting for room, and the server must get every byte.
func TestBodyLargerThanTheSocketBuffer(t *testing.T) {
	forEachPath(t, testBodyLargerThanTheSocketBuffer)
}

func testBodyLargerThanTheSocketBuffer(t *testing.T, p path) {
	body := bytes.Repeat([]byte("0123456789abcdef"), 1<<19) // 8 MiB
	var whole, torn atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, err := io.ReadAll(r.Body)
		if err == nil && bytes.Equal(got, body) {
			whole.Add(1)
		} else {
			torn.Add(1)
		}
		w.Write([]byte("ok"))
	}))
	defer srv.Close()
	const n = 6
	_, res := runEngine(t, context.Background(), p.on(Config{
		Targets: []Target{{Method: "POST", URL: srv.URL, Body: body}}, Concurrency: 2, Requests: n,
	}))
	if res.Requests != n || res.Errors != 0 {
		t.Fatalf("%d requests, %d errors (%v); want %d, none", res.Requests, res.Errors, res.Kinds, n)
	}
	if whole.Load() != n || torn.Load() != 0 {
		t.Errorf("the server got %d whole bodies and %d torn ones; want %d whole", whole.Load(), torn.Load(), n)
	}
	if res.BytesOut != n*int64(len(body)) {
		t.Errorf("bytes_out = %d, want %d", res.BytesOut, n*int64(len(body)))
	}
}
