package monitor

import (
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// A child process of this test binary that burns CPU with a known duty
// cycle, for the pid source to read back.
func TestMain(m *testing.M) {
	if duty := os.Getenv("STRAIN_TEST_BURN_DUTY"); duty != "" {
		burn(duty)
		return
	}
	os.Exit(m.Run())
}

// burn spends duty of every 20 ms spinning, forever.
func burn(duty string) {
	d, _ := strconv.ParseFloat(duty, 64)
	period := 20 * time.Millisecond
	for {
		start := time.Now()
		for time.Since(start) < time.Duration(d*float64(period)) {
		}
		time.Sleep(period - time.Since(start))
	}
}

func startBurner(t *testing.T, duty float64) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), fmt.Sprintf("STRAIN_TEST_BURN_DUTY=%g", duty))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return cmd
}

// procCPUTicks reads utime+stime of pid from /proc, the kernel's own count.
func procCPUTicks(t *testing.T, pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return ut + st
}

func procRSS(t *testing.T, pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			kb, _ := strconv.ParseFloat(strings.Fields(line)[1], 64)
			return kb * 1024
		}
	}
	t.Fatal("no VmRSS")
	return 0
}

func TestPidReadsCPUAndRSSAgainstProc(t *testing.T) {
	const duty = 0.5
	cmd := startBurner(t, duty)
	pid := cmd.Process.Pid
	src := NewPid(pid)
	ctx := context.Background()
	time.Sleep(200 * time.Millisecond)
	// /proc's own count, in clock ticks of 1/100 s, read on either side of
	// each sample: the source read the same counter, and the clock, at
	// some moment in between. Its figure lies between the least and the
	// most CPU per second those brackets allow, however long a busy
	// machine keeps this goroutine from running between the reads.
	bracket := func() (m Metrics, ticks [2]float64, at [2]time.Time) {
		at[0], ticks[0] = time.Now(), procCPUTicks(t, pid)
		m, err := src.Sample(ctx)
		if err != nil {
			t.Fatal(err)
		}
		ticks[1], at[1] = procCPUTicks(t, pid), time.Now()
		return m, ticks, at
	}
	_, ticks0, at0 := bracket()
	time.Sleep(2 * time.Second)
	m, ticks1, at1 := bracket()
	low := (ticks1[0] - ticks0[1]) / at1[1].Sub(at0[0]).Seconds()
	high := (ticks1[1] - ticks0[0]) / at1[0].Sub(at0[1]).Seconds()
	// The slack is float rounding: both sides count the same ticks.
	if got := m["cpu"]; got < low-0.5 || got > high+0.5 {
		t.Errorf("cpu = %.1f%%, /proc says %.1f%% to %.1f%%", got, low, high)
	}
	// The duty cycle is the burner's intent; a busy machine can only lower
	// it, so only the ceiling is asserted here. /proc above is the truth.
	if got := m["cpu"]; got > duty*100+5 || got <= 0 {
		t.Errorf("cpu = %.1f%%, want above 0 and at most the %v%% duty cycle", got, duty*100)
	}
	if rss := procRSS(t, pid); math.Abs(m["rss"]-rss) > 0.05*rss {
		t.Errorf("rss = %v, /proc says %v", m["rss"], rss)
	}
	if m["threads"] < 1 || m["fds"] < 3 {
		t.Errorf("threads %v fds %v", m["threads"], m["fds"])
	}
}

func TestPidGoneIsAnError(t *testing.T) {
	cmd := startBurner(t, 0.01)
	src := NewPid(cmd.Process.Pid)
	if _, err := src.Sample(context.Background()); err != nil {
		t.Fatal(err)
	}
	cmd.Process.Kill()
	cmd.Wait()
	_, err := src.Sample(context.Background())
	if err == nil || !strings.Contains(err.Error(), "gone") {
		t.Errorf("after exit: %v, want 'gone'", err)
	}
}
