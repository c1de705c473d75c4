package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/strain-dev/strain/internal/exitcode"

	"github.com/strain-dev/strain/report"
)

func TestRunWatchPutsTargetOnTheTimeline(t *testing.T) {
	_, base := demoTarget(t)
	resp, err := http.Get(base + "/leak?n=400")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	out := filepath.Join(t.TempDir(), "r.json")
	code, _, stderr := cli(t, context.Background(), "run", base+"/ok", "-d", "2s", "-c", "2", "--interval", "500ms", "--watch", "api="+base, "-o", out)
	if code != exitcode.Passed {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "watch api: found /debug/strain, /metrics, /debug/pprof") {
		t.Errorf("stderr does not say what was found:\n%s", stderr)
	}
	rep := readReport(t, out)
	// The demo target runs in this very process, so its goroutines are ours:
	// the 400 leaked and the run's own (workers, connections, samplers),
	// which are gone by now. Hence the bounds: at least what is left, at most
	// that plus the run's own.
	truth := float64(runtime.NumGoroutine())
	if got := rep.Summary["target.goroutines.last"]; got < truth || got > truth+40 {
		t.Errorf("target.goroutines.last = %v, runtime says %v after the run", got, truth)
	}
	// Interval figures (sched_latency, cpu) need two samples of a source;
	// the monitor package's tests check them. These come with the first.
	for _, k := range []string{"target.heap.max", "target.goroutines.max", "self.goroutines.max", "self.rss.max"} {
		if _, ok := rep.Summary[k]; !ok {
			t.Errorf("summary lacks %s", k)
		}
	}
	last := rep.Series[len(rep.Series)-1].Metrics
	if _, ok := last["target.goroutines"]; !ok || last["requests"] == 0 {
		t.Errorf("the last point lacks load or target metrics: %v", last)
	}
}

func TestRunWatchUnreachableIsAWarning(t *testing.T) {
	_, base := demoTarget(t)
	dead := "http://" + closedAddr(t)
	out := filepath.Join(t.TempDir(), "r.json")
	code, _, stderr := cli(t, context.Background(), "run", base+"/ok", "-n", "200", "--watch", dead, "--watch", "pid:999999999", "-o", out)
	if code != exitcode.Passed {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "found no runtime endpoint") {
		t.Errorf("stderr lacks the discovery warning:\n%s", stderr)
	}
	if rep := readReport(t, out); rep.Summary["requests"] != 200 {
		t.Errorf("requests = %v", rep.Summary["requests"])
	}
}

func TestWatchBadSpecExits2(t *testing.T) {
	for _, args := range [][]string{
		{"watch"},
		{"watch", "pid:abc"},
		{"watch", "--interval", "10ms", "pid:1"},
		{"run", "http://127.0.0.1:1/", "--watch", "ftp://x"},
		{"run", "http://127.0.0.1:1/", "--watch", "pid:1", "--watch", "pid:1"},
	} {
		code, _, stderr := cli(t, context.Background(), args...)
		if code != exitcode.Usage || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
			t.Errorf("%v: exit %d, stderr %q; want 2 and one line", args, code, stderr)
		}
	}
}

func TestWatchJSONLAndReport(t *testing.T) {
	_, base := demoTarget(t)
	out := filepath.Join(t.TempDir(), "w.json")
	code, stdout, stderr := cli(t, context.Background(), "watch", "-d", "1100ms", "--interval", "200ms", "--jsonl", base, "-o", out)
	if code != exitcode.Passed {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	lines := 0
	sc := bufio.NewScanner(strings.NewReader(stdout))
	for sc.Scan() {
		var p report.Point
		if err := json.Unmarshal(sc.Bytes(), &p); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		if _, ok := p.Metrics["target.goroutines"]; !ok && lines > 0 {
			t.Errorf("line %d lacks target.goroutines: %v", lines, p.Metrics)
		}
		lines++
	}
	// A ticker skips the ticks a busy machine makes it miss, so only the
	// ceiling is exact.
	if lines < 2 || lines > 5 {
		t.Errorf("%d lines for 1.1s at 200ms, want 2 to 5", lines)
	}
	rep := readReport(t, out)
	if rep.Load.Model != "none" || len(rep.Series) != lines || rep.Summary["target.goroutines.max"] == 0 {
		t.Errorf("report: model %q, %d points, goroutines.max %v", rep.Load.Model, len(rep.Series), rep.Summary["target.goroutines.max"])
	}
}

// strain watch follows run's rule: a target that is not there at the
// start is exit 3, in one line.
func TestWatchUnreachableExits3(t *testing.T) {
	dead := closedAddr(t)
	code, _, stderr := cli(t, context.Background(), "watch", "-d", "1s", "http://"+dead)
	if code != exitcode.CannotRun || !strings.Contains(stderr, "unreachable") || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
		t.Errorf("exit %d, stderr %q; want 3 and one line", code, stderr)
	}
}

// A lone watched target's metrics are target.X, but it keeps the name it
// was given: the text summary, the JSON, the Markdown and the HTML say it.
func TestRunKeepsALoneTargetsName(t *testing.T) {
	dir := t.TempDir()
	out, md, page := filepath.Join(dir, "w.json"), filepath.Join(dir, "w.md"), filepath.Join(dir, "w.html")
	_, base := demoTarget(t)
	code, stdout, stderr := cli(t, context.Background(), "run", base+"/ok", "-d", "1100ms", "-c", "1", "-r", "50", "--interval", "200ms", "--no-diagnose",
		"--watch", fmt.Sprintf("sleeper=pid:%d", os.Getpid()), "-o", out, "--markdown", md, "--html", page)
	if code != exitcode.Passed {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	rep := readReport(t, out)
	if _, ok := rep.Summary["target.cpu.max"]; !ok {
		t.Errorf("summary lacks target.cpu.max: the lone target's metrics are target.X")
	}
	if rep.TargetNames["target"] != "sleeper" {
		t.Errorf("target_names %v, want target: sleeper", rep.TargetNames)
	}
	for name, text := range map[string]string{"text": stdout, "markdown": readText(t, md), "html": readText(t, page)} {
		if !strings.Contains(text, "sleeper") {
			t.Errorf("the %s does not name sleeper:\n%s", name, text)
		}
	}
}

func readText(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
