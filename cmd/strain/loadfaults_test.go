package main

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/strain-dev/strain/internal/exitcode"
	"github.com/strain-dev/strain/internal/loadtest"
)

// runBinary runs the strain binary with args, for at most a minute, and
// returns its exit status and output.
func runBinary(t *testing.T, args ...string) (code int, output string) {
	t.Helper()
	cmd := exec.Command(binary(t), args...)
	cmd.Dir = t.TempDir() // diagnosis may capture profiles into ./strain-profiles
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return exitStatus(err), out.String()
	case <-time.After(time.Minute):
		cmd.Process.Kill()
		<-done
		t.Fatalf("strain %v did not end within a minute:\n%s", args, out.String())
	}
	return 0, ""
}

// A body without end, through the binary: each request stops at the cap
// and is an error of its own kind, which is a measurement, not a failed run.
func TestMaxBodyThroughTheBinary(t *testing.T) {
	block := append(append([]byte("1000\r\n"), bytes.Repeat([]byte("x"), 4096)...), "\r\n"...)
	url := loadtest.RawServer(t, func(c net.Conn) {
		defer c.Close()
		if _, err := http.ReadRequest(bufio.NewReader(c)); err != nil {
			return // strain's probe: a connection, no request
		}
		c.SetWriteDeadline(time.Now().Add(time.Minute))
		io.WriteString(c, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
		for {
			if _, err := c.Write(block); err != nil {
				return
			}
		}
	})
	out := filepath.Join(t.TempDir(), "r.json")
	code, output := runBinary(t, "run", url, "-n", "5", "--max-body", "64KiB", "--no-tui", "-o", out)
	if code != exitcode.Passed {
		t.Fatalf("exit %d, want 0:\n%s", code, output)
	}
	rep := readReport(t, out)
	if got := rep.ErrorsByKind["body_too_large"]; got != 5 || rep.Summary["requests"] != 5 {
		t.Errorf("requests %v, errors by kind %v, want 5 × body_too_large", rep.Summary["requests"], rep.ErrorsByKind)
	}
	if in := rep.Summary["bytes_in"]; in <= 5*64<<10 || in > 5*(64<<10+4096) {
		t.Errorf("bytes_in = %v, want just past 5 × 64 KiB", in)
	}
}

// flakyTarget answers on a fixed loopback port, then goes down (listener
// and connections closed) and comes back on the same port. It counts the
// responses it wrote whole; a response is written and counted under mu, so
// none counted is cut off by going down.
type flakyTarget struct {
	addr   string
	mu     sync.Mutex
	ln     net.Listener
	conns  map[net.Conn]bool
	down   bool
	served int64
}

func newFlakyTarget(t *testing.T) *flakyTarget {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &flakyTarget{addr: ln.Addr().String(), ln: ln, conns: map[net.Conn]bool{}}
	go s.accept(ln)
	t.Cleanup(s.goDown)
	return s
}

func (s *flakyTarget) accept(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		if s.down {
			c.Close()
		} else {
			s.conns[c] = true
			go s.serve(c)
		}
		s.mu.Unlock()
	}
}

func (s *flakyTarget) serve(c net.Conn) {
	br := bufio.NewReader(c)
	for {
		req, err := http.ReadRequest(br)
		if err == nil {
			io.Copy(io.Discard, req.Body)
			s.mu.Lock()
			if !s.down {
				_, err = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nhello\n")
			}
			if err == nil && !s.down {
				s.served++
			}
			s.mu.Unlock()
		}
		if err != nil {
			c.Close()
			return
		}
	}
}

func (s *flakyTarget) goDown() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down = true
	s.ln.Close()
	for c := range s.conns {
		c.Close()
	}
	clear(s.conns)
}

func (s *flakyTarget) comeBack() error {
	var ln net.Listener
	var err error
	for range 50 {
		if ln, err = net.Listen("tcp", s.addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.ln, s.down = ln, false
	s.mu.Unlock()
	go s.accept(ln)
	return nil
}

// A target that dies mid-run and comes back, through the binary: the
// report is written, the refusals are in errors_by_kind, the load resumes,
// and strain's successes are the responses the target wrote.
func TestTargetDiesThroughTheBinary(t *testing.T) {
	binary(t) // built before the clock starts
	srv := newFlakyTarget(t)
	out := filepath.Join(t.TempDir(), "r.json")
	start := time.Now()
	back := make(chan time.Duration, 1)
	go func() {
		time.Sleep(700 * time.Millisecond)
		srv.goDown()
		time.Sleep(time.Second)
		if err := srv.comeBack(); err != nil {
			t.Errorf("listen again on %s: %v", srv.addr, err)
		}
		back <- time.Since(start)
	}()
	code, output := runBinary(t, "run", "http://"+srv.addr+"/", "-d", "3s", "-c", "4", "--interval", "500ms", "--no-tui", "-o", out)
	if code != exitcode.Passed {
		t.Fatalf("exit %d, want 0:\n%s", code, output)
	}
	// The run started after start, so a point that begins later than
	// this after start began after the target was back.
	backAt := (<-back).Seconds()
	rep := readReport(t, out)
	s := rep.Summary
	srv.mu.Lock()
	served := float64(srv.served)
	srv.mu.Unlock()
	t.Logf("requests %v, errors by kind %v, unfinished %v, target served %v, back %.2fs after the start", s["requests"], rep.ErrorsByKind, s["unfinished"], served, backAt)
	if rep.ErrorsByKind["refused"] == 0 {
		t.Errorf("errors by kind %v: none refused while the target was down", rep.ErrorsByKind)
	}
	var byKind int64
	for _, n := range rep.ErrorsByKind {
		byKind += n
	}
	if float64(byKind) != s["errors"] {
		t.Errorf("errors by kind %v sum to %d, errors %v", rep.ErrorsByKind, byKind, s["errors"])
	}
	if ok := s["requests"] - s["errors"]; served < ok || served > ok+s["unfinished"] {
		t.Errorf("target served %v, want within strain's %v successes + %v unfinished", served, ok, s["unfinished"])
	}
	var okAfter float64
	for _, p := range rep.Series {
		if p.T-0.5 >= backAt {
			okAfter += p.Metrics["requests"] - p.Metrics["errors"]
		}
	}
	if okAfter == 0 {
		t.Errorf("no successes in the points after the target came back %.2fs in: the load did not resume", backAt)
	}
}

// At the open-file limit (ulimit -n 64, 200 workers) the workers that
// find no descriptor back off instead of spinning: their failures are
// one clear kind, few, and the report says how to fix it.
func TestFDLimitBacksOff(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash to set ulimit -n")
	}
	bin := binary(t)
	_, base := demoTarget(t)
	out := filepath.Join(t.TempDir(), "r.json")
	cmd := exec.Command("bash", "-c", `ulimit -n 64 && exec "$0" "$@"`, bin, "run", base+"/ok", "-c", "200", "-d", "2s", "--no-tui", "-o", out)
	if b, err := cmd.CombinedOutput(); exitStatus(err) != exitcode.Passed {
		t.Fatalf("exit %d: %s", exitStatus(err), b)
	}
	rep := readReport(t, out)
	n := rep.ErrorsByKind["fd_limit"]
	if n == 0 || rep.ErrorsByKind["other"] != 0 || rep.Summary["requests"]-float64(n) <= 0 {
		t.Fatalf("errors by kind %v of %v requests: want fd_limit, and requests that got through", rep.ErrorsByKind, rep.Summary["requests"])
	}
	// Spinning filed 85k a second; backing off from 10 ms, doubling to 1 s,
	// 200 workers file at most about 200 × 8 in 2 s.
	if n > 5000 {
		t.Errorf("%d fd_limit failures in 2 s: the workers are not backing off", n)
	}
	if !strings.Contains(strings.Join(rep.Warnings, "\n"), "ulimit -n") {
		t.Errorf("no warning names the fix: %q", rep.Warnings)
	}
}
