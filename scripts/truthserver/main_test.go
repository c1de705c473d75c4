//go:build linux

package main

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"slices"
	"testing"
	"time"
)

// TestLatencyLeavesOutTheClientsDelay checks the server's measurements
// against a client's own: a request's true latency cannot exceed the time
// from the client's write to its read, and a client that waits 50 ms
// before reading adds that wait to its own figure only.
func TestLatencyLeavesOutTheClientsDelay(t *testing.T) {
	ln, err := listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	type measured struct {
		lat       []time.Duration
		unstamped int
	}
	done := make(chan measured)
	go func() {
		lat, unstamped := serve(ctx, ln)
		done <- measured{lat, unstamped}
	}()

	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	const n, wait = 10, 50 * time.Millisecond
	var client []time.Duration
	for range n {
		start := time.Now()
		if _, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
		time.Sleep(wait)
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		client = append(client, time.Since(start))
	}
	c.Close()
	cancel()
	truth := <-done

	// The kernel turns timestamps on a moment after the listener asks
	// (Linux enables them from a work queue), so the first request may
	// arrive unstamped; it is answered and counted, never mismeasured.
	if len(truth.lat)+truth.unstamped != n || truth.unstamped > 1 {
		t.Fatalf("the server measured %d requests and left %d unstamped, want %d in all, at most the first unstamped", len(truth.lat), truth.unstamped, n)
	}
	client = client[truth.unstamped:]
	for i, lat := range truth.lat {
		if lat <= 0 || lat > client[i] {
			t.Errorf("request %d: true latency %v, client's %v: want 0 < true <= client's", i, lat, client[i])
		}
	}
	if m := median(truth.lat); m >= wait {
		t.Errorf("median true latency %v includes the client's %v wait", m, wait)
	}
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}
