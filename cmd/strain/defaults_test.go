package main

import (
	"bufio"
	"os/exec"
	"strings"
	"syscall"
	"testing"
)

// The demo target serves loopback unless told a host: its /admin/stall
// and leak endpoints are no one else's to call.
func TestTargetListensOnLoopbackUnlessTold(t *testing.T) {
	bin := binary(t)
	for _, tc := range []struct {
		listen   string
		loopback bool
	}{{":0", true}, {"0.0.0.0:0", false}} {
		t.Run(tc.listen, func(t *testing.T) {
			cmd := exec.Command(bin, "target", "--listen", tc.listen)
			stdout, _ := cmd.StdoutPipe()
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer cmd.Wait()
			defer cmd.Process.Signal(syscall.SIGINT)
			line, err := bufio.NewReader(stdout).ReadString('\n')
			if err != nil {
				t.Fatal(err)
			}
			addr := strings.TrimSpace(line)
			if got := strings.HasPrefix(addr, "127.0.0.1:"); got != tc.loopback {
				t.Errorf("--listen %s bound %s: loopback %v, want %v", tc.listen, addr, got, tc.loopback)
			}
		})
	}
}
