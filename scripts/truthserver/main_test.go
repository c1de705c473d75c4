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
	done := make(chan []time.Duration)
	go func() { done <- serve(ctx, ln) }()

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

	if len(truth) != n {
		t.Fatalf("the server measured %d requests, want %d", len(truth), n)
	}
	for i := range n {
		if truth[i] <= 0 || truth[i] > client[i] {
			t.Errorf("request %d: true latency %v, client's %v: want 0 < true <= client's", i, truth[i], client[i])
		}
	}
	if m := median(truth); m >= wait {
		t.Errorf("median true latency %v includes the client's %v wait", m, wait)
	}
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}
