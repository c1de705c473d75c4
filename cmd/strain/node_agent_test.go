package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/pprof/profile"
	"github.com/strain-dev/strain/internal/exitcode"
	"github.com/strain-dev/strain/report"
)

// nodeAgentService starts agents/node/example/faults.js, a real Node
// service with strain-vitals (agents/node) on, and returns its URL and the
// agent's. It skips the test without node.
func nodeAgentService(t *testing.T) (url, agent string) {
	t.Helper()
	return agentService(t, "node", filepath.Join("..", "..", "agents", "node", "example", "faults.js"), "0", "0", "60")
}

// A synchronous function on a Node service's hot path (30 ms of busy wait
// in blockTheLoop, 20 times a second: 60% of its core): strain reads the
// loop's delay through the agent, finds the loop blocked, and the blocking
// capture, the CPU profile of the stretches that held the loop, names the
// function.
func TestNodeAgentBlockedLoop(t *testing.T) {
	url, agent := nodeAgentService(t)
	warm(t, url, "/block")
	rep, stdout := blockedRun(t, url+"/block?ms=30", agent)
	// The median interval's p99: on a busy machine (this one is shared) an
	// interval or two waits for the CPU far longer than any block.
	var p99s []float64
	for _, p := range rep.Series {
		if v, ok := p.Metrics["target.sched_latency.p99"]; ok {
			p99s = append(p99s, v)
		}
	}
	slices.Sort(p99s)
	if len(p99s) < 5 || p99s[len(p99s)/2] < 0.025 || p99s[len(p99s)/2] > 0.1 {
		t.Errorf("target.sched_latency.p99 by interval = %v, want the 30 ms block's", p99s)
	}
	if rt := rep.TargetRuntimes["target"]; rt != "node" {
		t.Errorf("the target's runtime is %q, want node", rt)
	}
	for _, m := range []string{"target.tasks.max", "target.heap.max", "target.cpu.max", "target.memory.max"} {
		if _, ok := rep.Summary[m]; !ok {
			t.Errorf("no %s", m)
		}
	}
	heldBy(t, rep, stdout, "blockTheLoop", "blockRoute")
}

// A loop held without the CPU (Atomics.wait, as a *Sync call waits on a
// slow disk) is named the same: the blocking capture keeps the samples
// in which the loop did not go idle, whatever the thread did in them.
func TestNodeAgentLoopHeldWithoutTheCPU(t *testing.T) {
	url, agent := nodeAgentService(t)
	warm(t, url, "/sleep")
	rep, stdout := blockedRun(t, url+"/sleep?ms=30", agent)
	heldBy(t, rep, stdout, "sleepOnTheLoop", "sleepRoute")
}

// blockedRun loads url at 20 requests/s for 7 s, watching agent, with the
// default alerts, and returns the report and what strain printed.
func blockedRun(t *testing.T, url, agent string) (*report.Report, string) {
	t.Helper()
	dir := t.TempDir()
	out := filepath.Join(dir, "r.json")
	code, stdout, stderr := cli(t, context.Background(), "run", url, "-r", "20", "-d", "7s", "--interval", "500ms",
		"--watch", agent, "--alerts", "default", "--no-tui", "-o", out, "--profiles", filepath.Join(dir, "p"))
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	return readReport(t, out), stdout
}

// heldBy checks that rep has a blocking finding whose culprit is fn, or,
// where V8 inlined fn into its caller while the capture ran, the route's
// handler that calls it (see warm).
func heldBy(t *testing.T, rep *report.Report, stdout, fn, caller string) {
	t.Helper()
	f, ok := finding(rep, "blocking")
	if !ok || !strings.Contains(f.Culprit, "Held the loop: "+fn) && !strings.Contains(f.Culprit, "Held the loop: "+caller) {
		t.Errorf("blocking: %+v\n%s", f, stdout)
	}
}

// Intervals set on each request and never cleared, or connections never
// closed, are a leak, named by their resource type from two dumps of the
// active resources.
func TestNodeAgentLeaks(t *testing.T) {
	// Grown: Timeout +N tasks (two dumps), or Grown: N tasks in Timeout
	// (one, when the run ended before the second).
	for _, c := range []struct{ path, culprit string }{
		{"/leak", "Timeout"},
		{"/leak-socket", "TCPSocketWrap"},
	} {
		t.Run(c.path, func(t *testing.T) {
			url, agent := nodeAgentService(t)
			dir := t.TempDir()
			out := filepath.Join(dir, "r.json")
			code, stdout, stderr := cli(t, context.Background(), "run", url+c.path, "-r", "100", "-d", "5s", "--interval", "500ms",
				"--watch", agent, "--no-tui", "-o", out, "--profiles", filepath.Join(dir, "p"))
			if code != 0 {
				t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
			}
			f, ok := finding(readReport(t, out), "leak")
			if !ok || !strings.Contains(f.Summary, "tasks grew") || !strings.HasPrefix(f.Culprit, "Grown: ") || !strings.Contains(f.Culprit, c.culprit) {
				t.Errorf("leak: %+v\n%s", f, stdout)
			}
		})
	}
}

// strain profile capture takes the Node agent's CPU, heap, resource and
// blocking profiles; each parses as pprof, go tool pprof reads it, and
// strain profile top names the function that burnt the CPU.
func TestNodeAgentProfiles(t *testing.T) {
	url, agent := nodeAgentService(t)
	warm(t, url, "/block")
	fetch(t, url+"/hold?kb=4096", 4) // 16 MiB held: the heap profile's samples
	stop := loadFor(url+"/block?ms=20", 2)
	defer stop()
	dir := t.TempDir()
	code, stdout, stderr := cli(t, context.Background(), "profile", "capture", agent, "--cpu", "2s", "--heap", "--goroutine", "--blocking", "-o", dir)
	if code != exitcode.Passed {
		t.Fatalf("capture: exit %d\n%s\n%s", code, stdout, stderr)
	}
	want := map[string]string{"cpu": "blockTheLoop", "blocking": "blockTheLoop", "goroutine": "TCPServerWrap", "heap": "holdMemory"}
	for kind, fn := range want {
		path := capturedFile(t, stdout, kind)
		pr := parseProfile(t, path)
		if len(pr.Sample) == 0 {
			t.Errorf("%s: no samples", kind)
		}
		if !hasFunction(pr, fn) {
			_, top, _ := cli(t, context.Background(), "profile", "top", path, "-n", "8")
			t.Errorf("%s: no %s in %s:\n%s", kind, fn, path, top)
		}
		if goTool, err := exec.LookPath("go"); err == nil {
			top, err := exec.Command(goTool, "tool", "pprof", "-top", path).CombinedOutput()
			if err != nil || !strings.Contains(string(top), fn) {
				t.Errorf("go tool pprof -top %s: %v\n%s", kind, err, top)
			}
		}
	}
	code, top, stderr := cli(t, context.Background(), "profile", "top", capturedFile(t, stdout, "cpu"), "-n", "3")
	if code != exitcode.Passed || !strings.Contains(top, "blockTheLoop") {
		t.Errorf("strain profile top: exit %d\n%s\n%s", code, top, stderr)
	}
}

// warm runs route's function (blockTheLoop, sleepOnTheLoop) a few hundred
// times before a test profiles it, so that V8 has optimised it, inlining
// it into its caller, before a profile starts. V8 still charges it to its
// caller (the route's handler, blockRoute) now and then, about one process
// in three here, and the culprit is then the caller.
func warm(t *testing.T, url, route string) {
	t.Helper()
	fetch(t, url+route+"?ms=1", 300)
}

// fetch GETs url n times, one at a time, through strain.
func fetch(t *testing.T, url string, n int) {
	t.Helper()
	if code, stdout, stderr := cli(t, context.Background(), "run", url, "-c", "1", "-n", strconv.Itoa(n), "--no-tui"); code != exitcode.Passed {
		t.Fatalf("strain run %s: exit %d\n%s\n%s", url, code, stdout, stderr)
	}
}

func parseProfile(t *testing.T, path string) *profile.Profile {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	pr, err := profile.Parse(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return pr
}

func hasFunction(pr *profile.Profile, name string) bool {
	for _, fn := range pr.Function {
		if fn.Name == name {
			return true
		}
	}
	return false
}
