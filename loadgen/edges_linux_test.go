package loadgen

import (
	"context"
	"fmt"
	"os"
	"syscall"
	"testing"
	"time"
)

// A listener that never accepts, with a backlog of one, leaves a
// connection or two in its backlog, sent and waiting, and the rest still
// being dialled (their SYNs dropped) when the run ends: each is
// unfinished, none a timeout, and the run counts no request.
func TestNeverAcceptedIsUnfinished(t *testing.T) { forEachPath(t, testNeverAcceptedIsUnfinished) }

func testNeverAcceptedIsUnfinished(t *testing.T, p path) {
	addr := listenNeverAccepting(t)
	cfg := p.on(Config{Targets: []Target{{URL: "http://" + addr + "/"}}, Concurrency: 50, Duration: 1500 * time.Millisecond})
	_, res := runEngine(t, context.Background(), cfg)
	if res.Requests != 0 || res.Unfinished != 50 {
		t.Errorf("requests %d (kinds %v), unfinished %d: want 0 and all 50 cut off by the run's end", res.Requests, res.Kinds, res.Unfinished)
	}
}

// listenNeverAccepting listens on a loopback port with a backlog of one
// and never accepts; it returns the address.
func listenNeverAccepting(t *testing.T) string {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	f := os.NewFile(uintptr(fd), "never-accepting")
	t.Cleanup(func() { f.Close() })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Listen(fd, 1); err != nil {
		t.Fatal(err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	in := sa.(*syscall.SockaddrInet4)
	return fmt.Sprintf("127.0.0.1:%d", in.Port)
}
