package main

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/strain-dev/strain/internal/exitcode"
)

// openPTY opens a pseudo-terminal: its master, and its slave as a file a
// child may take as stdout.
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	var n uint32
	unlock := int32(0)
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, m.Fd(), syscall.TIOCSPTLCK, uintptr(unsafe.Pointer(&unlock))); e != 0 {
		m.Close()
		t.Skipf("unlock the pseudo-terminal: %v", e)
	}
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, m.Fd(), syscall.TIOCGPTN, uintptr(unsafe.Pointer(&n))); e != 0 {
		m.Close()
		t.Skipf("name the pseudo-terminal: %v", e)
	}
	s, err := os.OpenFile("/dev/pts/"+strconv.Itoa(int(n)), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		m.Close()
		t.Skipf("open the pseudo-terminal's slave: %v", err)
	}
	t.Cleanup(func() { m.Close(); s.Close() })
	return m, s
}

// A dashboard that cannot run (its output a terminal, but no terminal to
// read keys from: no controlling one, stdin not one) is the run that
// could not be carried out, said on stderr, not an interrupt by the user;
// the report asked for is still written.
func TestDashboardFailureExits3(t *testing.T) {
	bin := binary(t)
	master, slave := openPTY(t)
	go io.Copy(io.Discard, master)
	sleeper := exec.Command("sleep", "60")
	if err := sleeper.Start(); err != nil {
		t.Skipf("no sleep to watch: %v", err)
	}
	defer func() { sleeper.Process.Kill(); sleeper.Wait() }()
	out := filepath.Join(t.TempDir(), "r.json")
	cmd := exec.Command(bin, "watch", "pid:"+strconv.Itoa(sleeper.Process.Pid), "--tui", "-d", "20s", "--interval", "100ms", "-o", out)
	var stderr strings.Builder
	cmd.Stdin, cmd.Stdout, cmd.Stderr = nil, slave, &stderr // stdin /dev/null
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}    // no controlling terminal
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		t.Logf("stderr: %s", stderr.String())
		if code := exitStatus(err); code != exitcode.CannotRun || !strings.Contains(stderr.String(), "dashboard") {
			t.Errorf("exit %d, stderr %q; want %d and the dashboard's error", code, stderr.String(), exitcode.CannotRun)
		}
	case <-time.After(15 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatal("strain went on 15s with a dashboard that could not run")
	}
	if _, err := os.Stat(out); err != nil {
		t.Errorf("the report is missing: %v", err)
	}
}
