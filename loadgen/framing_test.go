package loadgen

import (
	"bufio"
	"context"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/strain-dev/strain/internal/loadtest"
)

// scriptedServer answers every request it reads with the same raw bytes,
// whatever framing they have, and counts requests and connections. With
// hangUp it closes each connection after its first response without saying
// so, like a server whose keep-alive timeout struck while it sat idle.
type scriptedServer struct {
	url             string
	requests, conns atomic.Int64
}

func newScriptedServer(t *testing.T, raw string, hangUp bool) *scriptedServer {
	t.Helper()
	s := &scriptedServer{}
	s.url = loadtest.RawServer(t, func(c net.Conn) {
		defer c.Close()
		s.conns.Add(1)
		br := bufio.NewReader(c)
		for {
			req, err := http.ReadRequest(br)
			if err != nil {
				return
			}
			req.Body.Close()
			s.requests.Add(1)
			if _, err := c.Write([]byte(raw)); err != nil || hangUp {
				return
			}
		}
	})
	return s
}

const framingRequests = 20

// Every framing the wire path reads must come out as net/http reads it:
// the same statuses, bytes and kinds, and a new connection exactly when
// the response cannot be followed by another on its connection. The server
// never closes first, so a client that kept such a connection would show
// it in the count.
func TestResponseFraming(t *testing.T) {
	const hello = "Content-Length: 6\r\n\r\nhello\n"
	long := "Set-Cookie: " + strings.Repeat("x", 10_000) + "\r\n"
	tests := []struct {
		name    string
		method  string
		raw     string
		status  int
		bytesIn int64 // per request
		newConn bool  // a connection per request
	}{
		{"content-length", "", "HTTP/1.1 200 OK\r\n" + hello, 200, 6, false},
		{"chunked with extensions and trailers", "", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;name=value\r\nhello\r\n1\r\n\n\r\n0\r\nX-Sum: 1\r\n\r\n", 200, 6, false},
		{"chunked in capitals", "", "HTTP/1.1 200 OK\r\ntransfer-encoding: Chunked\r\n\r\nA\r\n0123456789\r\n0\r\n\r\n", 200, 10, false},
		{"connection close", "", "HTTP/1.1 200 OK\r\nConnection: close\r\n" + hello, 200, 6, true},
		{"close among connection tokens", "", "HTTP/1.1 200 OK\r\nConnection: x-trace, Close\r\n" + hello, 200, 6, true},
		{"HTTP/1.0", "", "HTTP/1.0 200 OK\r\n" + hello, 200, 6, true},
		{"HTTP/1.0 keep-alive", "", "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n" + hello, 200, 6, false},
		{"1xx interim responses", "", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\nHTTP/1.1 200 OK\r\n" + hello, 200, 6, false},
		{"204 has no body", "", "HTTP/1.1 204 No Content\r\n\r\n", 204, 0, false},
		{"304 has no body", "", "HTTP/1.1 304 Not Modified\r\nContent-Length: 100\r\n\r\n", 304, 0, false},
		{"HEAD has no body", "HEAD", "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n", 200, 0, false},
		{"no reason phrase", "", "HTTP/1.1 200\r\n" + hello, 200, 6, false},
		{"bare LF", "", "HTTP/1.1 200 OK\nContent-Length: 6\n\nhello\n", 200, 6, false},
		{"header longer than the buffer", "", "HTTP/1.1 200 OK\r\n" + long + hello, 200, 6, false},
		{"redirect not followed", "", "HTTP/1.1 302 Found\r\nLocation: /elsewhere\r\n" + hello, 302, 6, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			forEachPath(t, func(t *testing.T, p path) {
				srv := newScriptedServer(t, tt.raw, false)
				_, res := runEngine(t, context.Background(), p.on(Config{
					Targets: []Target{{Method: tt.method, URL: srv.url}}, Concurrency: 2, Requests: framingRequests, Timeout: 5 * time.Second,
				}))
				if res.Requests != framingRequests || res.Errors != 0 || res.Status[tt.status] != framingRequests {
					t.Errorf("requests %d errors %d status %v kinds %v, want %d × %d", res.Requests, res.Errors, res.Status, res.Kinds, framingRequests, tt.status)
				}
				if want := tt.bytesIn * framingRequests; res.BytesIn != want {
					t.Errorf("bytes_in = %d, want %d", res.BytesIn, want)
				}
				conns := srv.conns.Load()
				if tt.newConn && conns != framingRequests {
					t.Errorf("%d connections for %d requests, want one each", conns, framingRequests)
				}
				// The wire path keeps one connection per worker. net/http's
				// pool reuses connections too, but may dial a spare when a
				// worker asks just before the other hands one back.
				keep := int64(2)
				if p.name == "nethttp" {
					keep = framingRequests - 1
				}
				// net/http puts a connection back only once its writer has
				// said the request went out, waiting 50 ms for it
				// (maxWriteWaitBeforeConnReuse); a HEAD's answer, with no
				// body to read, can beat a busy machine's writer to it every
				// time, and then no connection is reused (20 for 20 was
				// seen). That is net/http's timing, not strain's framing.
				timing := p.name == "nethttp" && tt.method == "HEAD"
				if !tt.newConn && !timing && conns > keep {
					t.Errorf("%d connections for 2 workers, want at most %d: kept alive", conns, keep)
				}
			})
		})
	}
}

// A body delimited by the server closing is read to the end, and the
// connection is not used again.
func TestResponseBodyToEOF(t *testing.T) {
	forEachPath(t, func(t *testing.T, p path) {
		srv := newScriptedServer(t, "HTTP/1.1 200 OK\r\n\r\nhello\n", true)
		_, res := runEngine(t, context.Background(), p.on(Config{Targets: []Target{{URL: srv.url}}, Concurrency: 2, Requests: framingRequests}))
		if res.Requests != framingRequests || res.Errors != 0 || res.BytesIn != 6*framingRequests {
			t.Errorf("requests %d errors %d bytes_in %d, want %d, 0, %d", res.Requests, res.Errors, res.BytesIn, framingRequests, 6*framingRequests)
		}
		if got := srv.conns.Load(); got != framingRequests {
			t.Errorf("%d connections, want %d", got, framingRequests)
		}
	})
}

// A kept-alive connection that the server closed while it sat idle is
// not an error: the request goes again on a new connection, as net/http
// does, and the server sees each request once.
func TestStaleConnectionRetried(t *testing.T) {
	forEachPath(t, func(t *testing.T, p path) {
		srv := newScriptedServer(t, "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nhello\n", true)
		_, res := runEngine(t, context.Background(), p.on(Config{Targets: []Target{{URL: srv.url}}, Concurrency: 2, Requests: framingRequests}))
		if res.Requests != framingRequests || res.Errors != 0 {
			t.Errorf("requests %d errors %d kinds %v, want %d and none", res.Requests, res.Errors, res.Kinds, framingRequests)
		}
		if got := srv.requests.Load(); got != framingRequests {
			t.Errorf("server answered %d, want %d", got, framingRequests)
		}
	})
}

// Broken responses fail by kind, the same on both paths, and count the
// body bytes that did arrive.
func TestResponseFaults(t *testing.T) {
	tests := []struct {
		name    string
		raw     string
		hangUp  bool
		want    string
		bytesIn int64 // per request
	}{
		{"no space", "garbage\r\n\r\n", false, "protocol", 0},
		{"not HTTP", "HTP/1.1 200 OK\r\n" + "Content-Length: 0\r\n\r\n", false, "protocol", 0},
		{"two-digit status", "HTTP/1.1 20 OK\r\nContent-Length: 0\r\n\r\n", false, "protocol", 0},
		{"four-digit status", "HTTP/1.1 2000 OK\r\nContent-Length: 0\r\n\r\n", false, "protocol", 0},
		{"bad version", "HTTP/1.x 200 OK\r\nContent-Length: 0\r\n\r\n", false, "protocol", 0},
		{"header without colon", "HTTP/1.1 200 OK\r\nNoColon\r\nContent-Length: 0\r\n\r\n", false, "protocol", 0},
		{"bad content-length", "HTTP/1.1 200 OK\r\nContent-Length: six\r\n\r\nhello\n", false, "protocol", 0},
		{"conflicting content-lengths", "HTTP/1.1 200 OK\r\nContent-Length: 6\r\nContent-Length: 7\r\n\r\nhello\n", false, "protocol", 0},
		{"unsupported transfer-encoding", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nhello\n", false, "protocol", 0},
		{"bad chunk size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n", false, "protocol", 0},
		{"chunk without its CRLF", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n", false, "protocol", 5},
		{"truncated body", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello", true, "eof", 5},
		{"truncated chunked body", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel", true, "eof", 3},
		{"truncated headers", "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n", true, "eof", 0},
		{"body stalls", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello", false, "timeout", 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			forEachPath(t, func(t *testing.T, p path) {
				srv := newScriptedServer(t, tt.raw, tt.hangUp)
				const n = 4
				_, res := runEngine(t, context.Background(), p.on(Config{
					Targets: []Target{{URL: srv.url}}, Concurrency: 2, Requests: n, Timeout: failTimeout(tt.want),
				}))
				if res.Requests != n || res.Errors != n || res.Kinds[tt.want] != n {
					t.Errorf("requests %d errors %d kinds %v, want %d × %s", res.Requests, res.Errors, res.Kinds, n, tt.want)
				}
				if res.BytesIn != n*tt.bytesIn {
					t.Errorf("bytes_in = %d, want %d", res.BytesIn, n*tt.bytesIn)
				}
			})
		})
	}
}

// The run's end cuts off requests in flight at once, whatever their
// timeout, and counts them as unfinished, not failed.
func TestRunEndCutsOffRequestsInFlight(t *testing.T) {
	forEachPath(t, func(t *testing.T, p path) {
		const hold = 5 * time.Second
		url := loadtest.RawServer(t, func(c net.Conn) {
			loadtest.ReadRequest(c)
			time.Sleep(hold) // never answers within the run
			c.Close()
		})
		_, res := runEngine(t, context.Background(), p.on(Config{
			Targets: []Target{{URL: url}}, Concurrency: 3, Duration: 300 * time.Millisecond, Timeout: time.Minute,
		}))
		if res.Requests != 0 || res.Unfinished != 3 {
			t.Errorf("requests %d unfinished %d, want 0 and 3", res.Requests, res.Unfinished)
		}
		// A run that waited for the server lasts at least its hold, on any
		// machine; one cut off at its end lasts 300ms and a scheduling delay.
		if d := res.Duration(); d >= hold {
			t.Errorf("the run lasted %v, want it cut off near 300ms", d)
		}
	})
}
