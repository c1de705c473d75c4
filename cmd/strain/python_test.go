package main

import (
	"bufio"
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/strain-dev/strain/internal/exitcode"
)

// pythonService starts agents/python/examples/service.py, a real asyncio
// service with the Python agent on, and returns its URL and the agent's.
// It skips the test where there is no python3.
func pythonService(t *testing.T) (url, agent string) {
	t.Helper()
	return agentService(t, "python3", filepath.Join("..", "..", "agents", "python", "examples", "service.py"), "--port", "0", "--agent-port", "0", "--seconds", "60")
}

// agentService starts a service with an agent on under interpreter (found
// on PATH; the test skips without it), which says "listening PORT
// AGENT_PORT", and returns its URL and the agent's.
func agentService(t *testing.T, interpreter string, args ...string) (url, agent string) {
	t.Helper()
	bin, err := exec.LookPath(interpreter)
	if err != nil {
		t.Skip("no " + interpreter)
	}
	f := startService(t, exec.Command(bin, args...), 3)
	return "http://127.0.0.1:" + f[1], "http://127.0.0.1:" + f[2]
}

// startService starts a service that says "listening PORT…" on its first
// line of stdout, and returns that line's n fields; the service is killed
// when the test ends.
func startService(t *testing.T, cmd *exec.Cmd, n int) []string {
	t.Helper()
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line := make(chan string, 1)
	go func() {
		s := bufio.NewScanner(out)
		s.Scan()
		line <- s.Text()
	}()
	select {
	case l := <-line:
		if f := strings.Fields(l); len(f) == n && f[0] == "listening" {
			return f
		}
		t.Fatalf("%s said %q", cmd.Path, l)
	case <-time.After(10 * time.Second):
		t.Fatalf("%s did not start", cmd.Path)
	}
	return nil
}

// A handler that blocks the event loop for 30 ms: strain reads the loop's
// lag through the agent as the target's scheduler latency (each lag is at
// most the 30 ms block, and most probes wait one), the default alerts
// fire on it, and diagnosis names the blocked loop and, from the agent's
// watchdog, the function that held it.
func TestPythonBlockedLoop(t *testing.T) {
	url, agent := pythonService(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "r.json")
	code, stdout, stderr := cli(t, context.Background(), "run", url+"/block?ms=30", "-r", "20", "-d", "7s", "--interval", "500ms",
		"--watch", agent, "--alerts", "default", "--no-tui", "-o", out, "--profiles", filepath.Join(dir, "p"))
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	rep := readReport(t, out)
	// A probe that waits on a block waits up to its 30 ms, and more on a
	// busy machine: the agreement with the probe's own readings is
	// monitor's TestPythonLagAgreesWithTheAgentsProbe.
	if p99 := rep.Summary["target.sched_latency.p99.max"]; p99 < 0.025 || p99 > 0.25 {
		t.Errorf("target.sched_latency.p99.max = %v, want the 30 ms block's", p99)
	}
	if _, ok := rep.Summary["target.tasks.max"]; !ok {
		t.Errorf("no target.tasks: %v", rep.Summary)
	}
	if !firedOn(rep, "target.sched_latency.p99") {
		t.Errorf("the default alert on the loop's lag did not fire: %+v", rep.Alerts)
	}
	if rt := rep.TargetRuntimes["target"]; rt != "python" || !strings.Contains(stdout, rep.TargetNames["target"]+" (python)") {
		t.Errorf("the target's runtime is %q; summary:\n%s", rt, stdout)
	}
	f, ok := finding(rep, "blocking")
	if !ok || !strings.Contains(f.Culprit, "Held the loop: block_the_loop") {
		t.Errorf("blocking: %+v", f)
	}
}

// Tasks started and never ended are a leak, named by the coroutine that
// leaks, from two task dumps.
func TestPythonLeakedTasks(t *testing.T) {
	url, agent := pythonService(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "r.json")
	code, stdout, stderr := cli(t, context.Background(), "run", url+"/leak", "-r", "100", "-d", "5s", "--interval", "500ms",
		"--watch", agent, "--no-tui", "-o", out, "--profiles", filepath.Join(dir, "p"))
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	f, ok := finding(readReport(t, out), "leak")
	if !ok || !strings.Contains(f.Summary, "tasks grew") || !strings.Contains(f.Culprit, "leaked_task") {
		t.Errorf("leak: %+v", f)
	}
}

// The Python agent's own tests run with the rest, under the interpreter
// the machine has.
func TestPythonAgentUnitTests(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("no python3")
	}
	// They take some 10 s. One run hung in CI (once in many): bounded, a
	// hang ends in SIGABRT, on which Python's faulthandler prints every
	// thread's stack, so that it fails in minutes and says where.
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, py, "-m", "unittest", "discover", "-v", "-s", filepath.Join("..", "..", "agents", "python", "tests"))
	cmd.Env = append(os.Environ(), "PYTHONFAULTHANDLER=1")
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGABRT) }
	cmd.WaitDelay = 10 * time.Second
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("python3 -m unittest: %v (%v)\n%s", err, ctx.Err(), out)
	}
}

// distPython is the distribution's python3 when it has modules (aiohttp,
// fastapi…), which scripts/setup-python.sh installs from its packages;
// the test skips without them.
func distPython(t *testing.T, modules ...string) string {
	t.Helper()
	const py = "/usr/bin/python3"
	if err := exec.Command(py, "-c", "import "+strings.Join(modules, ", ")).Run(); err != nil {
		t.Skipf("%s without %s: scripts/setup-python.sh installs them", py, strings.Join(modules, ", "))
	}
	return py
}

// The blocked loop is found and named the same in an aiohttp service and
// a FastAPI one under uvicorn: the frameworks' own tasks do not hide it.
func TestPythonFrameworksBlockedLoop(t *testing.T) {
	for _, c := range []struct {
		script  string
		modules []string
	}{{"aiohttp_service.py", []string{"aiohttp"}}, {"fastapi_service.py", []string{"fastapi", "uvicorn"}}} {
		t.Run(c.script, func(t *testing.T) {
			py := distPython(t, c.modules...)
			f := startService(t, exec.Command(py, filepath.Join("..", "..", "agents", "python", "examples", c.script), "--seconds", "60"), 3)
			url, agent := "http://127.0.0.1:"+f[1], "http://127.0.0.1:"+f[2]
			dir := t.TempDir()
			out := filepath.Join(dir, "r.json")
			code, stdout, stderr := cli(t, context.Background(), "run", url+"/block?ms=30", "-r", "20", "-d", "4s", "--interval", "500ms",
				"--watch", agent, "--no-tui", "-o", out, "--profiles", filepath.Join(dir, "p"))
			if code != 0 {
				t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
			}
			rep := readReport(t, out)
			if p99 := rep.Summary["target.sched_latency.p99.max"]; p99 < 0.025 || p99 > 0.25 {
				t.Errorf("target.sched_latency.p99.max = %v, want the 30 ms block's", p99)
			}
			if f, ok := finding(rep, "blocking"); !ok || !strings.Contains(f.Culprit, "Held the loop: block_the_loop") {
				t.Errorf("blocking: %+v", f)
			}
		})
	}
}

// Two task dumps of a Python service, taken with strain profile capture:
// strain profile leaks names the coroutine of the tasks that leaked, with
// their number.
func TestPythonTaskDumpsShowTheLeak(t *testing.T) {
	url, agent := pythonService(t)
	dir := t.TempDir()
	before := captureGoroutines(t, agent, dir)
	for range 30 {
		resp, err := http.Get(url + "/leak")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	after := captureGoroutines(t, agent, dir)
	code, out, stderr := cli(t, context.Background(), "profile", "leaks", before, after, "-n", "3")
	if code != exitcode.Passed || !strings.Contains(out, "+30  leaked_task") {
		t.Errorf("strain profile leaks: exit %d\n%s\n%s", code, out, stderr)
	}
}
