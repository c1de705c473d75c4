package main

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/pprof/profile"
	"github.com/strain-dev/strain/internal/exitcode"
	"github.com/strain-dev/strain/report"
)

// aiohttpService starts agents/python/examples/aiohttp_service.py under
// the distribution's python3 and returns its URL, its agent's and its
// process; the test skips without aiohttp.
func aiohttpService(t *testing.T, args ...string) (url, agent string, proc *os.Process) {
	t.Helper()
	py := distPython(t, "aiohttp")
	args = append([]string{filepath.Join("..", "..", "agents", "python", "examples", "aiohttp_service.py"), "--seconds", "90"}, args...)
	cmd := exec.Command(py, args...)
	f := startService(t, cmd, 3)
	return "http://127.0.0.1:" + f[1], "http://127.0.0.1:" + f[2], cmd.Process
}

// Handlers that burn the loop's CPU in many short calls, loaded through
// strain with the default alerts: diagnosis finds the loop starved by
// them, captures the agent's CPU profile and names the function that
// burns it. On a machine whose cores other processes take, the loop uses
// less of its core than its handlers would, and the finding is a blocked
// loop, named from the watchdog's samples: either names the function.
func TestPythonCPUBoundHandlersAreNamed(t *testing.T) {
	url, agent, _ := aiohttpService(t)
	// 5 ms of CPU a request (5.4 ms measured) at 200 a second: just past
	// the loop's core (about 185 a second), however quiet the machine (at
	// 4 ms and 200 a second a quiet one kept up, its lag under 10 ms). At
	// 250 a second the backlog reached 800 connections by the end, and the
	// agent, starved of the GIL, could not send its CPU profile in time.
	rep := loadWatched(t, url+"/busy?ms=5", agent, "200", "13s")
	named := func(f report.Finding) bool {
		return strings.Contains(f.Culprit, "score_candidate") || strings.Contains(f.Culprit, "rank_candidates")
	}
	f, starved := finding(rep, report.Starvation)
	if !starved {
		if b, ok := finding(rep, report.Blocking); ok && named(b) {
			t.Logf("the loop was short of its core (a busy machine): a blocked loop, named: %s", b.Culprit)
			return
		}
		t.Fatalf("no starvation, nor a blocked loop naming the function: %+v", rep.Findings)
	}
	cpu := slices.ContainsFunc(rep.Profiles, func(p report.Profile) bool { return p.Kind == "cpu" })
	if !cpu && slices.ContainsFunc(rep.Warnings, func(w string) bool { return strings.Contains(w, "deadline exceeded") }) {
		// The starvation was found; naming its function needs the agent
		// to answer, and on a machine slower than the load assumed the
		// backlog starves it of the GIL. An agent that answers from an
		// overloaded loop is work still to do.
		t.Skipf("the agent did not answer in time, so no CPU profile was taken: %q", rep.Warnings)
	}
	if !strings.Contains(f.Summary, "CPU-bound work in its handlers holds the loop") || !named(f) {
		t.Errorf("starvation: %+v", f)
	}
	if !strings.Contains(f.Next, "ProcessPoolExecutor") {
		t.Errorf("next: %q, want Python's advice", f.Next)
	}
	if !slices.ContainsFunc(f.Evidence, func(e report.Evidence) bool { return strings.Contains(e.Profile, "-cpu-") }) {
		t.Errorf("the culprit is not from the agent's CPU profile: %+v; profiles %+v; warnings %q", f.Evidence, rep.Profiles, rep.Warnings)
	}
}

// strain profile capture --cpu takes the agent's CPU profile while the
// service burns its loop: a pprof file that github.com/google/pprof reads,
// whose CPU is the process's as /proc counts it (less the agent's own
// threads), about 49 looks a second of a loop always busy, and whose top,
// by `strain profile top`, is the function that burns it.
func TestPythonCPUProfileCapture(t *testing.T) {
	url, agent, proc := aiohttpService(t)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	// Two clients, each sending one request after another: while the loop
	// serves one, the other's waits, so the loop is always busy, however
	// slowly a client (under -race, on a busy machine) sends its next.
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 5000 && ctx.Err() == nil; i++ {
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url+"/busy?ms=5", nil)
				if resp, err := http.DefaultClient.Do(req); err == nil {
					resp.Body.Close()
				}
			}
		}()
	}
	time.Sleep(300 * time.Millisecond)
	before := procCPU(t, proc.Pid)
	dir := t.TempDir()
	code, stdout, stderr := cli(t, ctx, "profile", "capture", agent, "--cpu", "2s", "-o", dir)
	ran := procCPU(t, proc.Pid) - before
	if code != exitcode.Passed {
		t.Fatalf("capture: exit %d\n%s\n%s", code, stdout, stderr)
	}
	path := capturedFile(t, stdout, "cpu")
	cancel()
	p := parseProfile(t, path)
	if len(p.SampleType) != 2 || p.SampleType[1].Type != "cpu" || p.SampleType[1].Unit != "nanoseconds" || p.Period != int64(time.Second/49) {
		t.Fatalf("sample types %v, period %d", p.SampleType, p.Period)
	}
	var looks, cpu, hot int64
	for _, s := range p.Sample {
		looks += s.Value[0]
		cpu += s.Value[1]
		if onStack(s, "rank_candidates") {
			hot += s.Value[1]
		}
	}
	// The process ran its loop, its GC and the agent's threads, from a
	// little before the profile began to a little after it ended.
	if got := time.Duration(cpu); got < ran/2 || got > ran+ran/20 {
		t.Errorf("the profile holds %v of CPU; /proc says the process ran %v over the capture", got, ran)
	}
	if share := float64(hot) / float64(cpu); share < 0.6 {
		t.Errorf("rank_candidates has %.0f%% of the CPU, want most of it", 100*share)
	}
	if looks < 49 || looks > 2*49+2 {
		t.Errorf("%d looks at a busy loop in 2 s at 49 a second", looks)
	}
	code, top, stderr := cli(t, context.Background(), "profile", "top", path, "-n", "3")
	if code != exitcode.Passed || !strings.Contains(top, "score_candidate") || !strings.Contains(top, "Type: cpu") {
		t.Errorf("strain profile top: exit %d\n%s\n%s", code, top, stderr)
	}
}

// strain profile capture --heap takes the agent's heap profile, when the
// service asked for one: what remember_session holds is what the service
// was asked to keep (50 buffers of 100 KiB), and `strain profile top`
// names it.
func TestPythonHeapProfileCapture(t *testing.T) {
	url, agent, _ := aiohttpService(t, "--heap-frames", "8")
	for range 50 {
		resp, err := http.Get(url + "/hold?kb=100")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	dir := t.TempDir()
	code, stdout, stderr := cli(t, context.Background(), "profile", "capture", agent, "--heap", "-o", dir)
	if code != exitcode.Passed {
		t.Fatalf("capture: exit %d\n%s\n%s", code, stdout, stderr)
	}
	path := capturedFile(t, stdout, "heap")
	p := parseProfile(t, path)
	idx, err := p.SampleIndexByName("inuse_space")
	if err != nil {
		t.Fatal(err)
	}
	var held int64
	for _, s := range p.Sample {
		if onStack(s, "remember_session") {
			held += s.Value[idx]
		}
	}
	const want = 50 * 100 << 10
	if held < want || held > want+want/20 {
		t.Errorf("remember_session holds %d bytes in the profile, want the %d it was asked to keep", held, want)
	}
	code, top, stderr := cli(t, context.Background(), "profile", "top", path, "-n", "3", "--sample-index", "inuse_space")
	if code != exitcode.Passed || !strings.Contains(top, "remember_session") {
		t.Errorf("strain profile top: exit %d\n%s\n%s", code, top, stderr)
	}
}

// A healthy aiohttp service, its handlers light, gets no finding about
// itself.
func TestPythonHealthyServiceHasNoFinding(t *testing.T) {
	url, agent, _ := aiohttpService(t)
	for _, f := range loadWatched(t, url+"/", agent, "100", "6s").Findings {
		if f.Severity != report.Info && f.Kind != report.GeneratorSaturated {
			t.Errorf("a finding on a healthy service: %+v", f)
		}
	}
}

// loadWatched loads url at rate for d through strain, watching agent
// with the default alerts, and returns the report.
func loadWatched(t *testing.T, url, agent, rate, d string) *report.Report {
	t.Helper()
	dir := t.TempDir()
	out := filepath.Join(dir, "r.json")
	code, stdout, stderr := cli(t, context.Background(), "run", url, "-r", rate, "-d", d, "--interval", "500ms",
		"--watch", agent, "--alerts", "default", "--no-tui", "-o", out, "--profiles", filepath.Join(dir, "p"))
	if code != exitcode.Passed {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	return readReport(t, out)
}

// procCPU is the CPU time process pid has run, user and system, from
// /proc/PID/stat.
func procCPU(t *testing.T, pid int) time.Duration {
	t.Helper()
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	// The fields after the command's closing parenthesis; utime and stime
	// are the 14th and 15th of the line, in clock ticks (100 a second).
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

// onStack reports whether function fn is on a sample's stack.
func onStack(s *profile.Sample, fn string) bool {
	for _, l := range s.Location {
		for _, ln := range l.Line {
			if ln.Function != nil && ln.Function.Name == fn {
				return true
			}
		}
	}
	return false
}
