package loadgen

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// instantSender answers every request at once, with a 200 and no body.
type instantSender struct{}

func (instantSender) send(*outgoing, time.Time) (int, int64, error) { return 200, 0, nil }
func (instantSender) close()                                        {}

// canned is the canned responder's answer to every request.
const canned = "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nhello\n"

// cannedResponder is a minimal HTTP/1.1 server on loopback that allocates
// nothing per request: a goroutine per connection answers every request
// head it reads (requests without bodies) with canned.
func cannedResponder(tb testing.TB) string {
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
			go serveCanned(c)
		}
	}()
	return "http://" + ln.Addr().String() + "/"
}

// cannedProcess runs the canned responder in a child process (this test
// binary, in TestCannedResponderProcess) and returns its URL.
func cannedProcess(tb testing.TB) string {
	cmd := exec.Command(os.Args[0], "-test.run=^TestCannedResponderProcess$")
	cmd.Env = append(os.Environ(), cannedEnv+"=1")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		tb.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		stdin.Close() // the child's signal to exit
		cmd.Wait()
	})
	url, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		tb.Fatalf("canned responder process: %v", err)
	}
	return strings.TrimSpace(url)
}

// cannedEnv makes TestCannedResponderProcess serve instead of skipping.
const cannedEnv = "LOADGEN_CANNED_RESPONDER"

// TestCannedResponderProcess is the child of cannedProcess: it prints its
// URL and serves until its stdin closes.
func TestCannedResponderProcess(t *testing.T) {
	if os.Getenv(cannedEnv) == "" {
		t.Skip("a helper process for the benchmarks")
	}
	fmt.Println(cannedResponder(t))
	io.Copy(io.Discard, os.Stdin)
}

func serveCanned(c net.Conn) {
	defer c.Close()
	const batch = 64
	in, out := make([]byte, 4096), bytes.Repeat([]byte(canned), batch)
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
			if _, err := c.Write(out[:k*len(canned)]); err != nil {
				return
			}
			heads -= k
		}
	}
}
