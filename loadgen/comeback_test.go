package loadgen

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"
)

// flakyServer answers HTTP/1.1 on a fixed loopback port and can go down:
// it closes its listener and every open connection, then listens again on
// the same port. It counts the responses it wrote whole.
type flakyServer struct {
	addr string
	// mu orders each response's write and count against the cut: a
	// response counted was written before its connection was closed, so
	// the client reads it whole (it sends nothing more until it has).
	mu      sync.Mutex
	ln      net.Listener
	conns   map[net.Conn]bool
	holding bool // going down: requests read are not answered
	down    bool // the listener and connections are closed
	served  int64
}

func newFlakyServer(t *testing.T) *flakyServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &flakyServer{addr: ln.Addr().String(), ln: ln, conns: map[net.Conn]bool{}}
	go s.accept(ln)
	t.Cleanup(func() { s.goDown() })
	return s
}

func (s *flakyServer) url() string { return "http://" + s.addr + "/" }

func (s *flakyServer) accept(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		if s.down { // accepted just before the listener closed
			c.Close()
		} else {
			s.conns[c] = true
			go s.serve(c)
		}
		s.mu.Unlock()
	}
}

func (s *flakyServer) serve(c net.Conn) {
	br := bufio.NewReader(c)
	for {
		req, err := http.ReadRequest(br)
		if err != nil {
			s.mu.Lock()
			delete(s.conns, c)
			s.mu.Unlock()
			c.Close()
			return
		}
		io.Copy(io.Discard, req.Body)
		if !s.answer(c) {
			return // held: the cut closes the connection
		}
	}
}

func (s *flakyServer) answer(c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.holding {
		return false
	}
	if _, err := io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nhello\n"); err != nil {
		return false
	}
	s.served++
	return true
}

// goDown stops answering, then, after a pause in which the requests in
// flight arrive and are held, closes the listener and every connection.
func (s *flakyServer) goDown() {
	s.mu.Lock()
	s.holding = true
	s.mu.Unlock()
	time.Sleep(100 * time.Millisecond)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down = true
	s.ln.Close()
	for c := range s.conns {
		c.Close()
	}
	clear(s.conns)
}

// comeBack listens again on the same port and answers again.
func (s *flakyServer) comeBack(t *testing.T) {
	var ln net.Listener
	var err error
	for range 50 { // the port is ours, but make sure of it
		if ln, err = net.Listen("tcp", s.addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Errorf("listen again on %s: %v", s.addr, err)
		return
	}
	s.mu.Lock()
	s.ln, s.holding, s.down = ln, false, false
	s.mu.Unlock()
	go s.accept(ln)
}

func (s *flakyServer) count() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.served
}

// outage takes s down after up, for down, and returns when it has come
// back, and at what moment.
func (s *flakyServer) outage(t *testing.T, up, down time.Duration) <-chan time.Time {
	back := make(chan time.Time, 1)
	go func() {
		time.Sleep(up)
		s.goDown()
		time.Sleep(down)
		s.comeBack(t)
		back <- time.Now()
	}()
	return back
}

// A target that dies mid-run and comes back on the same port: the
// requests it cut off and the connections it refused are counted by kind,
// the load picks up again once it is back, and strain's successes are the
// responses the server wrote.
//
// The requests are POSTs: a GET cut off on a kept-alive connection is sent
// again on a new one, as net/http does, and would show as refused only.
func TestTargetDiesAndComesBack(t *testing.T) {
	models := []struct {
		name string
		cfg  Config
	}{
		{"closed", Config{Concurrency: 4}},
		{"open", Config{Rate: 100}},
	}
	for _, m := range models {
		t.Run(m.name, func(t *testing.T) {
			forEachPathInTurn(t, func(t *testing.T, p path) {
				srv := newFlakyServer(t)
				cfg := m.cfg
				cfg.Targets = []Target{{Method: "POST", URL: srv.url(), Body: []byte("ping")}}
				cfg.Duration, cfg.Interval, cfg.Timeout = 3*time.Second, 250*time.Millisecond, 10*time.Second
				back := srv.outage(t, 800*time.Millisecond, time.Second)
				windows, res := runEngine(t, context.Background(), p.on(cfg))
				backAt := (<-back).Sub(res.Started)
				checkOutage(t, windows, res, backAt, srv.count())
			})
		})
	}
}

func checkOutage(t *testing.T, windows []Window, res Result, backAt time.Duration, served int64) {
	t.Helper()
	t.Logf("requests %d, kinds %v, unfinished %d, server served %d, back at %v", res.Requests, res.Kinds, res.Unfinished, served, backAt)
	if res.Kinds["refused"] == 0 {
		t.Errorf("kinds %v: no request refused while the target was down", res.Kinds)
	}
	if res.Kinds["eof"]+res.Kinds["reset"] == 0 {
		t.Errorf("kinds %v: no request cut off by the target going down", res.Kinds)
	}
	for kind := range res.Kinds {
		if kind != "refused" && kind != "eof" && kind != "reset" {
			t.Errorf("kinds %v: %s is not how a target going down fails", res.Kinds, kind)
		}
	}
	ok := res.Requests - res.Errors
	if served < ok || served > ok+res.Unfinished {
		t.Errorf("server wrote %d responses, want within strain's %d successes + %d unfinished", served, ok, res.Unfinished)
	}
	var after, okAfter int64
	for _, w := range windows {
		if w.Start >= backAt {
			after++
			okAfter += w.Requests - w.Errors
		}
	}
	if after == 0 || okAfter == 0 {
		t.Errorf("%d successes in the %d windows after the target came back at %v: the load did not resume", okAfter, after, backAt)
	}
}
