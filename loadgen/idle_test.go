package loadgen

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/strain-dev/strain/internal/loadtest"
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

// A server that, when a kept-alive connection has sat idle for 0.1 s,
// answers the request it has not been sent with a 408 and closes the
// connection (as Node's and Apache's do at their timeouts) has spoken out
// of turn: that response belongs to no request. Each request goes on a new
// connection instead and gets its own answer, on both paths, as net/http
// does; no 408 is counted, and the server saw every request strain did.
func TestResponseBeforeRequestIsNotPaired(t *testing.T) {
	forEachPathInTurn(t, func(t *testing.T, p path) {
		var served atomic.Int64
		url := loadtest.RawServer(t, func(c net.Conn) {
			defer c.Close()
			br := bufio.NewReader(c)
			for {
				c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
				if _, err := br.Peek(1); err != nil {
					c.Write([]byte("HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"))
					return
				}
				c.SetReadDeadline(time.Time{})
				req, err := http.ReadRequest(br)
				if err != nil {
					return
				}
				io.Copy(io.Discard, req.Body)
				served.Add(1)
				c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"))
			}
		})
		_, res := runEngine(t, context.Background(), p.on(Config{
			Targets: []Target{{Method: "POST", URL: url, Body: []byte(`{"a":1}`)}},
			Rate:    4, Concurrency: 1, Duration: 2 * time.Second,
		}))
		if res.Requests == 0 || res.Errors != 0 || res.Status[408] != 0 {
			t.Errorf("%d requests, %d failed (%v), statuses %v: want each answered 200", res.Requests, res.Errors, res.Kinds, res.Status)
		}
		if got := served.Load(); got != res.Requests {
			t.Errorf("server answered %d requests, strain counted %d", got, res.Requests)
		}
	})
}
