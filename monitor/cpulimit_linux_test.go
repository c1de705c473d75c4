package monitor

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"
)

// A process's CPU limit is the cores it may run on, where no quota is
// tighter: a child pinned to one core by taskset has one, this process
// the cores Go's runtime found for it (runtime.NumCPU reads the same
// affinity, from the kernel).
func TestCPULimitOfAProcess(t *testing.T) {
	if q, ok := cgroupQuota(os.Getpid()); ok {
		t.Skipf("this process has a cgroup CPU quota of %v cores: the test wants none", q)
	}
	if got, ok := cpuLimit(os.Getpid()); !ok || got != 100*float64(runtime.NumCPU()) {
		t.Errorf("cpuLimit(self) = %v, %v; want %v", got, ok, 100*runtime.NumCPU())
	}
	taskset, err := exec.LookPath("taskset")
	if err != nil {
		t.Skip("no taskset")
	}
	cmd := exec.Command(taskset, "-c", "0", "sleep", "10")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	// taskset pins itself, then becomes sleep: wait for the second.
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", cmd.Process.Pid)); strings.TrimSpace(string(comm)) == "sleep" {
			break
		}
	}
	m := promSample(t, NewPid(cmd.Process.Pid))
	if m["cpu_limit"] != 100 {
		t.Errorf("cpu_limit of a process pinned to one core = %v, want 100", m["cpu_limit"])
	}
}
