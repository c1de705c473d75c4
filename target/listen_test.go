package target

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestListenAndServe(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	addrs := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() { done <- ListenAndServe(ctx, "127.0.0.1:0", func(a net.Addr) { addrs <- a }) }()

	var addr net.Addr
	select {
	case addr = <-addrs:
	case err := <-done:
		t.Fatalf("ListenAndServe returned before ready: %v", err)
	}
	resp, err := http.Get("http://" + addr.String() + "/ok")
	if err != nil {
		t.Fatalf("GET /ok on %s: %v", addr, err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK || string(body) != "ok\n" {
		t.Errorf("GET /ok on %s: got %d %q %v, want 200 %q", addr, resp.StatusCode, body, err, "ok\n")
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("ListenAndServe after cancel: got %v, want nil", err)
		}
	case <-time.After(testTimeout):
		t.Fatal("ListenAndServe did not return after cancel")
	}
}

func TestListenAndServeEndsStallOnShutdown(t *testing.T) {
	srv := New(Options{})
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	addrs := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() { done <- srv.ListenAndServe(ctx, "127.0.0.1:0", func(a net.Addr) { addrs <- a }) }()
	addr := <-addrs

	srv.Stall(time.Minute)
	held := make(chan error, 1)
	go func() {
		resp, err := http.Get("http://" + addr.String() + "/ok")
		if err == nil {
			resp.Body.Close()
		}
		held <- err
	}()
	// Let the request reach the stall; shutdown must release it either way.
	time.Sleep(100 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("ListenAndServe after cancel during a stall: got %v, want nil", err)
		}
	case <-time.After(testTimeout):
		t.Fatal("ListenAndServe did not return after cancel during a stall")
	}
	if err := <-held; err != nil {
		t.Errorf("request held by the stall at shutdown: got %v, want an answer", err)
	}
}

func TestListenAndServeReportsListenError(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	err = ListenAndServe(t.Context(), taken.Addr().String(), func(net.Addr) {
		t.Error("ready called for an address already in use")
	})
	if err == nil || !strings.HasPrefix(err.Error(), "listen on ") {
		t.Errorf("ListenAndServe on a taken address: got %v, want a \"listen on ...\" error", err)
	}
}

// An address without a host is loopback: the demo's endpoints stall and
// leak on request, so serving every interface must be asked for.
func TestListenAddrDefaultsToLoopback(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", DefaultAddr},
		{":8080", "127.0.0.1:8080"},
		{":0", "127.0.0.1:0"},
		{"0.0.0.0:8080", "0.0.0.0:8080"},
		{"[::]:8080", "[::]:8080"},
		{"localhost:9", "localhost:9"},
		{"nonsense", "nonsense"}, // Listen says what is wrong with it
	} {
		if got := listenAddr(tc.in); got != tc.want {
			t.Errorf("listenAddr(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
