package target

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// Waits of Spawn.
const (
	spawnWait = 10 * time.Second // for the child to print its address
	stopWait  = 3 * time.Second  // for the child to end after an interrupt
)

// Spawn runs the demo service as a child process: exe, a strain binary,
// as `exe target --listen 127.0.0.1:0`, which prints its bound address as
// the first line of stdout. An empty exe is the running program's own
// binary. The child's stderr goes to stderr.
//
// Spawn returns the service's base URL ("http://127.0.0.1:PORT") and stop,
// which interrupts the child and waits for it to end, killing it if it
// outlasts a few seconds; calling stop again does nothing. The child is not tied to ctx, which only bounds
// the wait for the address: call stop.
func Spawn(ctx context.Context, exe string, stderr io.Writer) (base string, stop func(), err error) {
	if exe == "" {
		if exe, err = os.Executable(); err != nil {
			return "", nil, fmt.Errorf("find own binary: %w", err)
		}
	}
	child := exec.Command(exe, "target", "--listen", "127.0.0.1:0")
	child.Stderr = stderr
	out, err := child.StdoutPipe()
	if err != nil {
		return "", nil, fmt.Errorf("start demo target: %w", err)
	}
	if err := child.Start(); err != nil {
		return "", nil, fmt.Errorf("start demo target: %w", err)
	}
	stop = sync.OnceFunc(func() { interrupt(child) })
	addr, err := firstLine(ctx, out, spawnWait)
	if err != nil {
		stop()
		return "", nil, fmt.Errorf("start demo target: %w", err)
	}
	// The child may write more; a full pipe would block it.
	go io.Copy(io.Discard, out)
	return "http://" + addr, stop, nil
}

// interrupt asks child to end, as a first Ctrl-C does, and waits for it;
// past stopWait it kills it.
func interrupt(child *exec.Cmd) {
	child.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { child.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(stopWait):
		child.Process.Kill()
		<-done
	}
}

// firstLine reads the first line of r, waiting at most wait.
func firstLine(ctx context.Context, r io.Reader, wait time.Duration) (string, error) {
	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(r).ReadString('\n')
		line <- strings.TrimSpace(s)
	}()
	select {
	case s := <-line:
		if s == "" {
			return "", errors.New("it exited before printing its address")
		}
		return s, nil
	case <-time.After(wait):
		return "", fmt.Errorf("no address after %v", wait)
	case <-ctx.Done():
		return "", ctx.Err()
	}
}
