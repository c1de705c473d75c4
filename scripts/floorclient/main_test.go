//go:build linux

package main

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestCountsWhatTheServerServed checks the one figure floorclient prints
// against the server's own count: every response it counts was served,
// and the server served at most one more request per connection, those
// still in flight when the client stopped.
func TestCountsWhatTheServerServed(t *testing.T) {
	var served atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		served.Add(1)
		w.Write([]byte("hello\n"))
	}))
	addr := netip.MustParseAddrPort(strings.TrimPrefix(srv.URL, "http://"))
	const conns = 8
	n, elapsed, err := run(addr, conns, 300*time.Millisecond)
	srv.Close() // waits for the requests still in flight
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 || elapsed < 300*time.Millisecond {
		t.Fatalf("%d responses in %v", n, elapsed)
	}
	if s := served.Load(); s < n || s > n+conns {
		t.Errorf("counted %d responses; the server served %d (want %d to %d)", n, s, n, n+conns)
	}
}

func TestFramed(t *testing.T) {
	whole := "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nhello\n"
	for _, c := range []struct {
		in   string
		want int
		err  bool
	}{
		{in: "HTTP/1.1 200 OK\r\nContent-Len", want: 0},
		{in: whole[:len(whole)-1], want: 0},
		{in: whole, want: len(whole)},
		{in: whole + whole, want: len(whole)},
		{in: "HTTP/1.1 200 OK\r\ncontent-length:0\r\n\r\n", want: 37},
		{in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", err: true},
		{in: "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", err: true},
	} {
		got, err := framed([]byte(c.in))
		if got != c.want || (err != nil) != c.err {
			t.Errorf("framed(%q) = %d, %v; want %d, error %v", c.in, got, err, c.want, c.err)
		}
	}
}
