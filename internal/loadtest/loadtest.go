// Package loadtest holds what the tests of strain's load engine, of its
// transports and of the binary share: real servers on loopback that answer, or misbehave,
// as a test needs, a way to run one in a child process so that its
// allocations are not a benchmark's, and a sender's benchmark loop. It
// imports no part of the engine, so that the engine's own tests can use
// it.
package loadtest

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/strain-dev/strain/loadgen/send"
)

// RawServer is a TCP server on loopback whose every connection handle
// serves as it likes; its URL is http://ADDR/. It stops with tb.
func RawServer(tb testing.TB, handle func(net.Conn)) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go handle(c)
		}
	}()
	return "http://" + ln.Addr().String() + "/"
}

// ReadRequest reads one HTTP/1.1 request from c, and drops it.
func ReadRequest(c net.Conn) {
	http.ReadRequest(bufio.NewReader(c))
}

// Hello answers "hello\n".
func Hello(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "hello\n") }

// Counting is handler, counting the requests it answers, each of which
// must have come over HTTP/2.
func Counting(tb testing.TB, handler http.HandlerFunc) (http.Handler, *atomic.Int64) {
	var n atomic.Int64
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ProtoMajor != 2 {
			tb.Errorf("a request over %s, want HTTP/2", r.Proto)
		}
		n.Add(1)
		handler(w, r)
	}), &n
}

// H2CServer serves handler over HTTP/2 in the clear (prior knowledge), as
// Go's own server does it, counting the requests it answers.
func H2CServer(tb testing.TB, handler http.HandlerFunc) (*httptest.Server, *atomic.Int64) {
	tb.Helper()
	h, n := Counting(tb, handler)
	srv := httptest.NewUnstartedServer(h)
	srv.Config.Protocols = new(http.Protocols)
	srv.Config.Protocols.SetUnencryptedHTTP2(true)
	srv.Start()
	tb.Cleanup(srv.Close)
	return srv, n
}

// ChildProcess runs this test binary's test named test in a child
// process, with env added, and returns the first line it prints; the
// child serves until its stdin closes, at the end of tb. The test prints
// its server's address and then calls ServeUntilStdinCloses.
func ChildProcess(tb testing.TB, test, env string) string {
	cmd := exec.Command(os.Args[0], "-test.run=^"+test+"$")
	cmd.Env = append(os.Environ(), env)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { stdin.Close(); cmd.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		tb.Fatalf("%s process: %v", test, err)
	}
	return strings.TrimSpace(line)
}

// ServeUntilStdinCloses blocks a ChildProcess's test until its parent
// closes its stdin, the signal to end.
func ServeUntilStdinCloses() { io.Copy(io.Discard, os.Stdin) }

// Canned is CannedResponder's answer to every request.
const Canned = "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nhello\n"

// CannedResponder is a minimal HTTP/1.1 server on loopback that allocates
// nothing per request: a goroutine per connection answers every request
// head it reads (requests without bodies) with Canned.
func CannedResponder(tb testing.TB) string { return RawServer(tb, serveCanned) }

func serveCanned(c net.Conn) {
	defer c.Close()
	const batch = 64
	in, out := make([]byte, 4096), bytes.Repeat([]byte(Canned), batch)
	matched := 0 // how much of the blank line ending a head has been read
	for {
		n, err := c.Read(in)
		if err != nil {
			return
		}
		heads := 0
		for _, ch := range in[:n] {
			switch {
			case ch == "\r\n\r\n"[matched]:
				matched++
			case ch == '\r':
				matched = 1
			default:
				matched = 0
			}
			if matched == 4 {
				heads, matched = heads+1, 0
			}
		}
		for heads > 0 {
			k := min(heads, batch)
			if _, err := c.Write(out[:k*len(Canned)]); err != nil {
				return
			}
			heads -= k
		}
	}
}

// SendLoop sends t on s, request after request, numbered from 0, for as
// long as b loops; each must be answered with status and a body of size
// bytes (any size when it is negative).
func SendLoop(b *testing.B, s send.Sender, t *send.Prepared, status int, size int64) {
	o := send.NewOutgoing()
	b.ReportAllocs()
	for seq := uint64(0); b.Loop(); seq++ {
		o.Set(t, seq)
		if resp, err := s.Send(o, time.Now().Add(time.Minute)); resp.Status != status || size >= 0 && resp.Bytes != size || err != nil {
			b.Fatalf("status %d, %d bytes, %v", resp.Status, resp.Bytes, err)
		}
	}
}
