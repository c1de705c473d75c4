package loadgen

import (
	"bytes"
	"context"
	"io"
	"net"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/strain-dev/strain/internal/loadtest"
)

// The load-side faults of issue 8: bodies without end, trickling
// responses, headers past their cap. Each runs on both paths against a
// real loopback server, bounded by -n, and a generous timeout that the run
// must end well within.

// testMaxBody is the body cap the tests run with: small enough that a
// stream passes it at once.
const testMaxBody = 64 << 10

// streamServer answers each connection's request with head, then with
// body bytes without end until the client goes away. It counts the
// connections and the streams that ended.
type streamServer struct {
	url          string
	conns, ended atomic.Int64
}

func newStreamServer(t *testing.T, head string, chunked bool) *streamServer {
	t.Helper()
	s := &streamServer{}
	block := bytes.Repeat([]byte("x"), 4096)
	if chunked {
		block = append(append([]byte("1000\r\n"), block...), "\r\n"...)
	}
	s.url = loadtest.RawServer(t, func(c net.Conn) {
		defer c.Close()
		defer s.ended.Add(1)
		s.conns.Add(1)
		loadtest.ReadRequest(c)
		c.SetWriteDeadline(time.Now().Add(time.Minute)) // never outlives a broken test for long
		if _, err := io.WriteString(c, head); err != nil {
			return
		}
		for {
			if _, err := c.Write(block); err != nil {
				return // the client closed the connection
			}
		}
	})
	return s
}

// waitFor polls cond for up to 5 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(5 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(end) {
			t.Errorf("after 5s: %s", what)
			return
		}
	}
}

// A body without end is read to just past the cap, then its connection is
// closed and the request counted as body_too_large: the run ends long
// before the timeout, and the server sees its stream cut.
func TestBodyWithoutEnd(t *testing.T) {
	tests := []struct {
		name    string
		head    string
		chunked bool
	}{
		{"chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", true},
		{"until close", "HTTP/1.1 200 OK\r\n\r\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			forEachPath(t, func(t *testing.T, p path) {
				srv := newStreamServer(t, tt.head, tt.chunked)
				const n = 5
				_, res := runEngine(t, context.Background(), p.on(Config{
					Targets: []Target{{URL: srv.url}}, Concurrency: 2, Requests: n, Timeout: 10 * time.Second, MaxBody: testMaxBody,
				}))
				if res.Requests != n || res.Errors != n || res.Kinds["body_too_large"] != n {
					t.Errorf("requests %d errors %d kinds %v, want %d × body_too_large", res.Requests, res.Errors, res.Kinds, n)
				}
				// Telling the body is too large takes one byte past the cap.
				if per := res.BytesIn / n; per <= testMaxBody || per > testMaxBody+wireReadBuffer {
					t.Errorf("bytes_in per request = %d, want just past the cap of %d", per, testMaxBody)
				}
				t.Logf("bytes_in per request %d, cap %d", res.BytesIn/n, testMaxBody)
				if d := res.Duration(); d > 5*time.Second {
					t.Errorf("the run lasted %v: the bodies were read on to the timeout", d)
				}
				if got := srv.conns.Load(); got != n {
					t.Errorf("%d connections for %d requests, want each one closed after its body", got, n)
				}
				waitFor(t, "the server is still streaming: a connection was kept open", func() bool { return srv.ended.Load() == n })
			})
		})
	}
}

// A body exactly at the cap is a success, however it is framed; one byte
// more is body_too_large, and a Content-Length over the cap fails before
// any of the body is read, even when the rest never comes.
func TestBodyAtTheCap(t *testing.T) {
	atCap := strings.Repeat("x", testMaxBody)
	chunked := func(body string) string {
		var b strings.Builder
		b.WriteString("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
		for len(body) > 0 {
			chunk := body[:min(len(body), 5000)] // not a divisor of the cap
			body = body[len(chunk):]
			b.WriteString(strconv.FormatInt(int64(len(chunk)), 16) + "\r\n" + chunk + "\r\n")
		}
		b.WriteString("0\r\n\r\n")
		return b.String()
	}
	length := func(n int) string { return "HTTP/1.1 200 OK\r\nContent-Length: " + strconv.Itoa(n) + "\r\n\r\n" }
	tests := []struct {
		name    string
		raw     string
		hangUp  bool
		want    string // kind, or "" for success
		bytesIn int64  // per request
		newConn bool   // a connection per request
	}{
		{"length at the cap", length(testMaxBody) + atCap, false, "", testMaxBody, false},
		{"chunked at the cap", chunked(atCap), false, "", testMaxBody, false},
		{"until close at the cap", "HTTP/1.1 200 OK\r\n\r\n" + atCap, true, "", testMaxBody, true},
		{"length one past the cap", length(testMaxBody+1) + atCap + "x", false, "body_too_large", 0, true},
		// Its last byte may come with the chunked body's end, which lets
		// net/http keep the connection.
		{"chunked one past the cap", chunked(atCap + "x"), false, "body_too_large", testMaxBody + 1, false},
		{"until close one past the cap", "HTTP/1.1 200 OK\r\n\r\n" + atCap + "x", true, "body_too_large", testMaxBody + 1, true},
		{"length of 1 GiB, 5 bytes sent", length(1<<30) + "hello", false, "body_too_large", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			forEachPath(t, func(t *testing.T, p path) {
				srv := newScriptedServer(t, tt.raw, tt.hangUp)
				const n = 4
				_, res := runEngine(t, context.Background(), p.on(Config{
					Targets: []Target{{URL: srv.url}}, Concurrency: 2, Requests: n, Timeout: 10 * time.Second, MaxBody: testMaxBody,
				}))
				wantErrs := int64(n)
				if tt.want == "" {
					wantErrs = 0
				}
				if res.Requests != n || res.Errors != wantErrs || (tt.want != "" && res.Kinds[tt.want] != n) {
					t.Errorf("requests %d errors %d kinds %v, want %d requests, %d × %q", res.Requests, res.Errors, res.Kinds, n, wantErrs, tt.want)
				}
				if res.BytesIn != n*tt.bytesIn {
					t.Errorf("bytes_in = %d, want %d", res.BytesIn, n*tt.bytesIn)
				}
				if d := res.Duration(); d > 5*time.Second {
					t.Errorf("the run lasted %v: a body was waited for past the cap", d)
				}
				if conns := srv.conns.Load(); tt.newConn && conns != n {
					t.Errorf("%d connections for %d requests, want one each", conns, n)
				}
			})
		})
	}
}

// trickleServer answers each request with raw, one byte every interval,
// then closes the connection.
func trickleServer(t *testing.T, raw string, every time.Duration) string {
	return loadtest.RawServer(t, func(c net.Conn) {
		defer c.Close()
		loadtest.ReadRequest(c)
		for i := range len(raw) {
			if _, err := c.Write([]byte{raw[i]}); err != nil {
				return // the client gave up
			}
			time.Sleep(every)
		}
	})
}

// A response that trickles in a byte at a time succeeds if it is whole
// within the timeout, and no faster than the server wrote it; otherwise it
// is a timeout, at its deadline, not when the server is done.
func TestTrickle(t *testing.T) {
	const raw = "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 8\r\n\r\ntrickled"
	t.Run("within the timeout", func(t *testing.T) {
		forEachPath(t, func(t *testing.T, p path) {
			const every = 5 * time.Millisecond
			url := trickleServer(t, raw, every)
			const n = 3
			_, res := runEngine(t, context.Background(), p.on(Config{
				Targets: []Target{{URL: url}}, Concurrency: n, Requests: n, Timeout: 30 * time.Second,
			}))
			if res.Requests != n || res.Errors != 0 || res.BytesIn != 8*n {
				t.Errorf("requests %d errors %d kinds %v bytes_in %d, want %d successes of 8 bytes", res.Requests, res.Errors, res.Kinds, res.BytesIn, n)
			}
			// The last byte is written after len-1 pauses; the histogram
			// rounds to 3 digits.
			floor := time.Duration(len(raw)-1) * every
			if got := time.Duration(res.Latency.Min()); float64(got) < 0.99*float64(floor) {
				t.Errorf("fastest latency %v, want at least the %v the server took", got, floor)
			}
			t.Logf("latency min %v, max %v, floor %v", time.Duration(res.Latency.Min()), res.MaxLatency, floor)
		})
	})
	t.Run("past the timeout", func(t *testing.T) {
		forEachPath(t, func(t *testing.T, p path) {
			const every, timeout = 40 * time.Millisecond, 500 * time.Millisecond // the response takes 2.6s
			url := trickleServer(t, raw, every)
			const n = 2
			_, res := runEngine(t, context.Background(), p.on(Config{
				Targets: []Target{{URL: url}}, Concurrency: n, Requests: n, Timeout: timeout,
			}))
			if res.Requests != n || res.Kinds["timeout"] != n {
				t.Errorf("requests %d kinds %v, want %d × timeout", res.Requests, res.Kinds, n)
			}
			// The server cannot write the whole response sooner than this,
			// busy machine or not: a run as long waited for it, where the
			// requests should have given up at their deadline.
			if d, whole := res.Duration(), time.Duration(len(raw)-1)*every; d >= whole {
				t.Errorf("the run lasted %v, as long as the whole response takes (%v): the requests outlived their %v deadline", d, whole, timeout)
			}
			t.Logf("run of %d timed-out requests lasted %v (timeout %v)", n, res.Duration(), timeout)
		})
	})
}

// Headers past the 10 MB cap are a protocol error on both paths; one
// header line of 1 MiB, under it, is not.
func TestHugeHeaders(t *testing.T) {
	line := "X-Pad: " + strings.Repeat("x", 1024-len("X-Pad: \r\n")) + "\r\n"
	block := []byte(strings.Repeat(line, 64)) // 64 KiB, written again and again
	overCap := loadtest.RawServer(t, func(c net.Conn) {
		defer c.Close()
		loadtest.ReadRequest(c)
		c.SetWriteDeadline(time.Now().Add(time.Minute))
		io.WriteString(c, "HTTP/1.1 200 OK\r\n")
		for written := 0; written <= headerCap+1<<20; written += len(block) {
			if _, err := c.Write(block); err != nil {
				return // the client gave up at its cap
			}
		}
		io.WriteString(c, "Content-Length: 0\r\n\r\n")
	})
	bigLine := "HTTP/1.1 200 OK\r\nX-Big: " + strings.Repeat("y", 1<<20) + "\r\nContent-Length: 6\r\n\r\nhello\n"
	t.Run("past the cap", func(t *testing.T) {
		forEachPath(t, func(t *testing.T, p path) {
			const n = 2
			_, res := runEngine(t, context.Background(), p.on(Config{
				Targets: []Target{{URL: overCap}}, Concurrency: 1, Requests: n, Timeout: 30 * time.Second,
			}))
			if res.Requests != n || res.Kinds["protocol"] != n {
				t.Errorf("requests %d kinds %v, want %d × protocol", res.Requests, res.Kinds, n)
			}
		})
	})
	t.Run("a 1 MiB line", func(t *testing.T) {
		forEachPath(t, func(t *testing.T, p path) {
			srv := newScriptedServer(t, bigLine, false)
			const n = 4
			_, res := runEngine(t, context.Background(), p.on(Config{
				Targets: []Target{{URL: srv.url}}, Concurrency: 2, Requests: n, Timeout: 30 * time.Second,
			}))
			if res.Requests != n || res.Errors != 0 || res.BytesIn != 6*n {
				t.Errorf("requests %d errors %d kinds %v bytes_in %d, want %d successes of 6 bytes", res.Requests, res.Errors, res.Kinds, res.BytesIn, n)
			}
		})
	})
}

func TestMaxBodyDefaults(t *testing.T) {
	target := []Target{{URL: "http://127.0.0.1:1/"}}
	if _, err := newEngine(Config{Targets: target, MaxBody: -1}); err == nil {
		t.Error("New accepted a negative MaxBody")
	}
	e, err := newEngine(Config{Targets: target})
	if err != nil {
		t.Fatal(err)
	}
	if got := e.Config().MaxBody; got != DefaultMaxBody {
		t.Errorf("zero MaxBody became %d, want DefaultMaxBody %d", got, DefaultMaxBody)
	}
}

// wireReadBuffer is the wire path's read buffer (package http1): a body
// past the cap is read at most that far past it.
const wireReadBuffer = 4096

// headerCap is a response head's cap, the wire path's as net/http's
// (MaxResponseHeaderBytes).
const headerCap = 10 << 20
