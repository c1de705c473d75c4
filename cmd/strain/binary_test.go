package main

import (
	"bufio"
	"errors"
	"html/template"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/strain-dev/strain/internal/exitcode"

	"github.com/strain-dev/strain/report"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// binary builds strain once per test run, for the tests that need a real
// process: signals, and the demo that re-executes itself.
func binary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		goTool, err := exec.LookPath("go")
		if err != nil {
			buildErr = err
			return
		}
		dir, err := os.MkdirTemp("", "strain-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "strain")
		out, err := exec.Command(goTool, "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = errors.New(string(out))
		}
	})
	if buildErr != nil {
		t.Skipf("cannot build strain: %v", buildErr)
	}
	return binPath
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binPath != "" {
		os.RemoveAll(filepath.Dir(binPath))
	}
	os.Exit(code)
}

func exitStatus(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}

func TestSignalWritesOutputsAndExits130(t *testing.T) {
	bin := binary(t)
	_, base := demoTarget(t)
	// SIGHUP is a closed terminal: the dashboard's tmux killed.
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP} {
		t.Run(sig.String(), func(t *testing.T) {
			dir := t.TempDir()
			out := filepath.Join(dir, "r.json")
			cmd := exec.Command(bin, "run", base+"/ok", "-d", "1m", "-c", "4", "-o", out)
			var stdout strings.Builder
			cmd.Stdout = &stdout
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			time.Sleep(1200 * time.Millisecond)
			cmd.Process.Signal(sig)
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case err := <-done:
				if got := exitStatus(err); got != exitcode.Interrupted {
					t.Errorf("exit %d, want %d", got, exitcode.Interrupted)
				}
			case <-time.After(10 * time.Second):
				cmd.Process.Kill()
				t.Fatal("strain did not stop within 10s of the signal")
			}
			rep := readReport(t, out)
			if !rep.Interrupted || rep.Summary["requests"] == 0 {
				t.Errorf("report: interrupted %v, requests %v", rep.Interrupted, rep.Summary["requests"])
			}
			entries, _ := os.ReadDir(dir)
			if len(entries) != 1 {
				t.Errorf("%d files left in the output directory, want only r.json", len(entries))
			}
			if !strings.Contains(stdout.String(), "(interrupted)") {
				t.Errorf("stdout lacks the summary:\n%s", stdout.String())
			}
		})
	}
}

// A stdout and stderr piped into a reader that goes away (strain run …
// 2>&1 | head -1) fail their writes; the run goes on and writes every
// requested output, and says the summary was lost.
func TestBrokenPipeKeepsOutputs(t *testing.T) {
	bin := binary(t)
	_, base := demoTarget(t)
	dir := t.TempDir()
	out, md := filepath.Join(dir, "r.json"), filepath.Join(dir, "r.md")
	cmd := exec.Command(bin, "run", base+"/ok", "-d", "2s", "-c", "2", "--interval", "100ms", "-o", out, "--markdown", md)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = w, w
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	line := make([]byte, 1)
	r.Read(line) // as head -1: read a little, then go away
	r.Close()
	err = cmd.Wait()
	if code := exitStatus(err); code != exitcode.Usage {
		t.Errorf("exit %d (%v), want %d: the summary could not be written", code, err, exitcode.Usage)
	}
	if rep := readReport(t, out); rep.Summary["requests"] == 0 {
		t.Error("the JSON report has no requests")
	}
	if _, err := os.Stat(md); err != nil {
		t.Errorf("the Markdown summary is missing: %v", err)
	}
}

// --tui without a terminal is bad usage, said in one line, before any
// load.
func TestTUIWithoutATerminalExits2(t *testing.T) {
	cmd := exec.Command(binary(t), "run", "http://127.0.0.1:1/", "--tui")
	var stderr strings.Builder
	cmd.Stdout, cmd.Stderr = io.Discard, &stderr // stdout a pipe, not a terminal
	code := exitStatus(cmd.Run())
	if code != exitcode.Usage || !strings.Contains(stderr.String(), "not a terminal") || strings.Count(stderr.String(), "\n") != 1 {
		t.Errorf("exit %d, stderr %q", code, stderr.String())
	}
}

// The demo walks its target through a leak, a starved scheduler and a
// stall; the report shows each where it should. 24 s gives the starved
// scheduler 5.8 s: diagnosis sees it a few intervals in and profiles the
// CPU from there, still within it on a busy machine.
func TestDemoWalksTheScenario(t *testing.T) {
	bin := binary(t)
	out, page := filepath.Join(t.TempDir(), "demo.json"), filepath.Join(t.TempDir(), "demo.html")
	cmd := exec.Command(bin, "demo", "-d", "24s", "--no-tui", "-o", out, "--html", page)
	cmd.Dir = t.TempDir() // the default alerts may capture profiles into ./strain-profiles
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdout, err := cmd.Output()
	if got := exitStatus(err); got != 0 {
		t.Fatalf("exit %d: %v\n%s\n%s", got, err, stdout, stderr.String())
	}
	for _, want := range []string{"demo: healthy", "demo: goroutine leak", "demo: scheduler starvation", "demo: stall", "demo: recovery"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q", want)
		}
	}
	rep := readReport(t, out)
	s := rep.Summary
	if s["target.goroutines.max"] < 500 {
		t.Errorf("target.goroutines.max = %v: the leak did not show", s["target.goroutines.max"])
	}
	if s["target.sched_latency.p99.max"] < 0.002 {
		t.Errorf("target.sched_latency.p99.max = %v: the hogs did not show", s["target.sched_latency.p99.max"])
	}
	if s["latency.max"] < 2.5 {
		t.Errorf("latency.max = %v: the 3s stall did not show in the corrected latency", s["latency.max"])
	}
	// The stall holds every response for 3 s: at some interval's end the
	// oldest request has waited over 2 s, and none can wait much over 3.
	if v := s["oldest_inflight.max"]; v < 2 || v > 3.5 {
		t.Errorf("oldest_inflight.max = %v, want 2–3.5 s for a 3 s stall", v)
	}
	if !firedOn(rep, "oldest_inflight") {
		t.Errorf("the stall's default alert did not fire: %+v", rep.Alerts)
	}
	var stallProfile bool
	for _, p := range rep.Profiles {
		stallProfile = stallProfile || p.Kind == "goroutine" && strings.Contains(p.Alert, "oldest_inflight") && p.Target != ""
	}
	if !stallProfile {
		t.Errorf("no goroutine profile of the target for the stall's alert: %+v", rep.Profiles)
	}
	if !strings.Contains(string(stdout), "corrected") {
		t.Errorf("no summary on stdout:\n%s", stdout)
	}
	// Diagnosis names each problem, and its culprit from the profiles it
	// captured, in the JSON and first in the text summary.
	for kind, culprit := range map[report.Kind]string{report.Leak: "leakedWorker", report.Starvation: "target.hog", report.Stall: "(*stall).wait"} {
		f, ok := finding(rep, kind)
		if !ok || f.Severity == report.Info || !strings.Contains(f.Culprit, culprit) {
			t.Errorf("%s: %+v, want it found with %s named", kind, f, culprit)
		}
		if !strings.Contains(string(stdout), culprit) {
			t.Errorf("the summary does not name %s", culprit)
		}
		// The HTML draws its evidence beside it, the culprit's frame marked
		// (where diagnosis named it: a culprit missed is said above).
		if ok && strings.Contains(f.Culprit, culprit) && !markedIn(readText(t, page), f, culprit) {
			t.Errorf("%s: the HTML report has no flame graph with %s marked (evidence %+v)", kind, culprit, f.Evidence)
		}
	}
	// And no problem it did not plant (strain saying that it was itself
	// saturated, on a busy machine, is about strain).
	planted := []report.Kind{report.Leak, report.Starvation, report.Stall, report.GeneratorSaturated}
	for _, f := range rep.Findings {
		if f.Severity != report.Info && !slices.Contains(planted, f.Kind) {
			t.Errorf("a finding the scenario did not plant: %s %s: %s", f.Severity, f.Kind, f.Summary)
		}
	}
}

// markedIn reports whether page draws a frame of f's culprit function,
// which names culprit, marked.
func markedIn(page string, f report.Finding, culprit string) bool {
	i := slices.IndexFunc(f.Evidence, func(ev report.Evidence) bool { return ev.Profile != "" })
	if i < 0 || !strings.Contains(f.Evidence[i].Function, culprit) {
		return false
	}
	fn := regexp.QuoteMeta(template.HTMLEscapeString(f.Evidence[i].Function))
	return regexp.MustCompile(`<svg class="f m" [^>]*><title>` + fn + `&#10;`).MatchString(page)
}

// finding is the run's first finding of kind.
func finding(rep *report.Report, kind report.Kind) (report.Finding, bool) {
	for _, f := range rep.Findings {
		if f.Kind == kind {
			return f, true
		}
	}
	return report.Finding{}, false
}

// firedOn says whether an alert on metric fired during the run.
func firedOn(rep *report.Report, metric string) bool {
	for _, a := range rep.Alerts {
		if a.Metric == metric && a.State == "firing" {
			return true
		}
	}
	return false
}

func TestTargetPrintsAddressFirst(t *testing.T) {
	bin := binary(t)
	cmd := exec.Command(bin, "target", "--listen", "127.0.0.1:0")
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	addr := strings.TrimSpace(line)
	if !strings.HasPrefix(addr, "127.0.0.1:") {
		t.Fatalf("first line %q is not a loopback address", addr)
	}
	code, _, stderr := cli(t, t.Context(), "run", "http://"+addr+"/ok", "-n", "50")
	if code != 0 {
		t.Errorf("run against the target: exit %d: %s", code, stderr)
	}
	cmd.Process.Signal(syscall.SIGINT)
	if got := exitStatus(cmd.Wait()); got != 0 {
		t.Errorf("target exit %d after SIGINT, want 0", got)
	}
}

// strain watch --jsonl | head -1: once the reader has gone, the run ends
// at once, even one meant to last until interrupted, as interrupted, and
// still writes the report asked for.
func TestWatchEndsWhenItsReaderGoes(t *testing.T) {
	bin := binary(t)
	sleeper := exec.Command("sleep", "60")
	if err := sleeper.Start(); err != nil {
		t.Skipf("no sleep to watch: %v", err)
	}
	defer func() { sleeper.Process.Kill(); sleeper.Wait() }()
	out := filepath.Join(t.TempDir(), "report.json")
	cmd := exec.Command(bin, "watch", "pid:"+strconv.Itoa(sleeper.Process.Pid), "--jsonl", "-d", "0", "--interval", "100ms", "-o", out)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stdout, cmd.Stderr = w, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	if _, err := bufio.NewReader(r).ReadString('\n'); err != nil { // as head -1
		t.Fatalf("no first line: %v", err)
	}
	r.Close()
	select {
	case err := <-done:
		if code := exitStatus(err); code != exitcode.Interrupted {
			t.Errorf("exit %d (%v), want %d; stderr:\n%s", code, err, exitcode.Interrupted, stderr.String())
		}
	case <-time.After(5 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatal("strain watch went on 5s after its reader had gone")
	}
	if rep := readReport(t, out); !rep.Interrupted || len(rep.Series) == 0 {
		t.Errorf("report: interrupted %v, %d points; want interrupted, with points", rep.Interrupted, len(rep.Series))
	}
}
