package main

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/strain-dev/strain/internal/exitcode"

	"github.com/strain-dev/strain/internal/atomicfile"
	"github.com/strain-dev/strain/report"
)

func TestGatesDecideTheExitCode(t *testing.T) {
	_, base := demoTarget(t)
	tests := []struct {
		name string
		args []string
		code int
		say  string // in stdout or stderr
	}{
		{"passing gate", []string{"--gate", "latency.p99 < 10s", "--gate", "error_rate < 1%"}, exitcode.Passed, "PASS  latency.p99 < 10s"},
		{"unknown unit", []string{"--gate", "throughput > 1G"}, exitcode.Usage, `unknown unit "G"`},
		{"failing gate", []string{"--gate", "latency.max < 1ns"}, exitcode.GateFailed, "FAIL  latency.max < 1ns"},
		{"no data fails", []string{"--gate", "target.goroutines.max < 5000"}, exitcode.GateFailed, "(no data)"},
		{"malformed gate", []string{"--gate", "latency.p99 <> 1s"}, exitcode.Usage, "column 13"},
		{"unknown metric", []string{"--gate", "latncy.p99 < 1s"}, exitcode.Usage, "did you mean latency.p99"},
		{"unknown target", []string{"--gate", "target[nope].goroutines.max < 5"}, exitcode.Usage, "no watched target is named"},
		{"malformed alert", []string{"--alert", "crit: latency.p99 > 1s for"}, exitcode.Usage, "want a duration"},
	}
	for _, tt := range tests {
		t.Run(tt.name+" "+tt.args[1], func(t *testing.T) {
			args := append([]string{"run", base + "/ok", "-n", "300"}, tt.args...)
			code, stdout, stderr := cli(t, context.Background(), args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d; stderr: %s", code, tt.code, stderr)
			}
			if !strings.Contains(stdout+stderr, tt.say) {
				t.Errorf("output lacks %q:\n%s\n%s", tt.say, stdout, stderr)
			}
		})
	}
}

// A sustained breach fires; a breach shorter than the rule's for does not.
func TestAlertsFireOnSustainedBreachOnly(t *testing.T) {
	_, base := demoTarget(t)
	out := filepath.Join(t.TempDir(), "r.json")
	// Windows of 500ms always see some of 8 requests of 300ms complete: a
	// window that timed no response has no latency, which breaks a sustain.
	code, _, stderr := cli(t, context.Background(), "run", base+"/slow?ms=300", "-c", "8", "-d", "3s", "--interval", "500ms",
		"--alert", "latency.p50 > 200ms for 1s", "--alert", "crit: latency.p50 > 200ms for 10s", "-o", out)
	if code != exitcode.Passed {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	rep := readReport(t, out)
	states := map[string][]string{}
	for _, a := range rep.Alerts {
		states[a.Rule] = append(states[a.Rule], a.State)
	}
	if got := states["latency.p50 > 200ms for 1s"]; len(got) < 2 || got[0] != "pending" || got[1] != "firing" {
		t.Errorf("sustained rule went %v, want pending then firing", got)
	}
	if got := states["crit: latency.p50 > 200ms for 10s"]; len(got) != 1 || got[0] != "pending" {
		t.Errorf("rule longer than the run went %v, want only pending", got)
	}
	if !strings.Contains(stderr, "FIRING   warning  latency.p50 > 200ms for 1s") {
		t.Errorf("stderr lacks the event line:\n%s", stderr)
	}
}

func TestCIOutputs(t *testing.T) {
	_, base := demoTarget(t)
	dir := t.TempDir()
	summary := filepath.Join(dir, "step-summary.md")
	t.Setenv("GITHUB_STEP_SUMMARY", summary)
	paths := map[string]string{"--junit": "j.xml", "--markdown": "s.md", "--html": "r.html", "-o": "r.json"}
	args := []string{"run", base + "/ok", "-n", "500", "--watch", base, "--gate", "latency.p99 < 10s", "--gate", "latency.max < 1ns"}
	for flag, name := range paths {
		paths[flag] = filepath.Join(dir, name)
		args = append(args, flag, paths[flag])
	}
	code, _, stderr := cli(t, context.Background(), args...)
	if code != exitcode.GateFailed {
		t.Fatalf("exit %d, want 1: %s", code, stderr)
	}
	var junit struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
	}
	b, _ := os.ReadFile(paths["--junit"])
	// The run and the two gates; diagnosis judged no kind in a run this
	// short (under its 4 intervals), so it has no case.
	if err := xml.Unmarshal(b, &junit); err != nil || junit.Tests != 3 || junit.Failures != 1 {
		t.Errorf("junit: %v, tests %d failures %d\n%s", err, junit.Tests, junit.Failures, b)
	}
	for _, path := range []string{paths["--markdown"], summary} {
		md, _ := os.ReadFile(path)
		if !strings.Contains(string(md), "## strain: ❌ failed") || !strings.Contains(string(md), "`latency.max < 1ns`") {
			t.Errorf("%s:\n%s", path, md)
		}
	}
	page, _ := os.ReadFile(paths["--html"])
	name := readReport(t, paths["-o"]).TargetNames["target"]                                                         // the target's host:port, its default name
	for _, want := range []string{"<svg", "throughput (req/s)", name + " (go) goroutines", "latency.max &lt; 1ns"} { // the demo target says it runs Go
		if !strings.Contains(string(page), want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	for _, external := range []string{"<script src", "<link", "@import", "http-equiv"} {
		if strings.Contains(string(page), external) {
			t.Errorf("the HTML report is not self-contained: it has %q", external)
		}
	}
	if rep := readReport(t, paths["-o"]); rep.Passed || len(rep.Gates) != 2 {
		t.Errorf("report passed %v with %d gates", rep.Passed, len(rep.Gates))
	}
}

func TestBaselineRegressions(t *testing.T) {
	_, base := demoTarget(t)
	dir := t.TempDir()
	write := func(name string, p99 float64) string {
		r := report.New()
		r.Summary["latency.p99"], r.Summary["throughput"] = p99, 1
		path := filepath.Join(dir, name)
		if err := atomicfile.Write(path, r.WriteJSON); err != nil {
			t.Fatal(err)
		}
		return path
	}
	slow, fast := write("slow.json", 100), write("fast.json", 1e-9)
	for _, tt := range []struct {
		baseline string
		code     int
	}{{slow, exitcode.Passed}, {fast, exitcode.GateFailed}} {
		code, stdout, stderr := cli(t, context.Background(), "run", base+"/ok", "-n", "200", "--baseline", tt.baseline, "--max-regression", "latency.p99=+10%")
		if code != tt.code || !strings.Contains(stdout, "baseline") {
			t.Errorf("baseline %s: exit %d, want %d\n%s%s", tt.baseline, code, tt.code, stdout, stderr)
		}
	}
	code, _, stderr := cli(t, context.Background(), "run", base+"/ok", "-n", "10", "--baseline", slow, "--max-regression", "latency.p99=10")
	if code != exitcode.Usage || !strings.Contains(stderr, "METRIC=+N%") {
		t.Errorf("bad --max-regression: exit %d, %s", code, stderr)
	}
}

func TestWebhookReceivesEvents(t *testing.T) {
	_, base := demoTarget(t)
	var mu sync.Mutex
	var got []report.Alert
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var a report.Alert
		body, _ := io.ReadAll(r.Body)
		if json.Unmarshal(body, &a) == nil {
			mu.Lock()
			got = append(got, a)
			mu.Unlock()
		}
	}))
	defer hook.Close()
	code, _, stderr := cli(t, context.Background(), "run", base+"/ok", "-n", "300", "--alert", "requests > 0", "--alert-webhook", hook.URL)
	if code != exitcode.Passed {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) == 0 || got[0].State != "firing" || got[0].Rule != "requests > 0" {
		t.Errorf("webhook got %+v", got)
	}
}

func TestAbortOnFail(t *testing.T) {
	_, base := demoTarget(t)
	start := time.Now()
	code, _, stderr := cli(t, context.Background(), "run", base+"/slow?ms=20", "-d", "30s", "--interval", "200ms",
		"--gate", "latency.max < 1ms", "--abort-on-fail")
	if code != exitcode.GateFailed {
		t.Errorf("exit %d, want 1: %s", code, stderr)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("aborting took %v", d)
	}
	if !strings.Contains(stderr, "aborted at") {
		t.Errorf("stderr does not say it aborted:\n%s", stderr)
	}
}

// The HTML report renders in a real browser, where one is installed.
func TestHTMLRendersInChromium(t *testing.T) {
	browser, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("chromium is not installed (apt-get install chromium)")
	}
	_, base := demoTarget(t)
	dir := t.TempDir()
	page := filepath.Join(dir, "r.html")
	if code, _, stderr := cli(t, context.Background(), "run", base+"/ok", "-d", "1s", "--interval", "200ms", "--watch", base, "--html", page); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--no-first-run", "--user-data-dir="+filepath.Join(dir, "profile"),
		"--dump-dom", "file://"+page).Output()
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	dom := string(out)
	if strings.Count(dom, "<svg") < 4 || !strings.Contains(dom, "<polyline") || !regexp.MustCompile(`strain: <span class="\w+">passed`).MatchString(dom) { // its tone is the worst finding's
		t.Errorf("rendered DOM lacks the charts or verdict (%d bytes)", len(dom))
	}
}

// An alert that fires captures the profiles its rule names, from the
// target its metric belongs to (or strain itself), and the report lists them.
func TestAlertCapturesProfiles(t *testing.T) {
	_, base := demoTarget(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "r.json")
	code, _, stderr := cli(t, context.Background(), "run", base+"/ok", "-d", "1500ms", "--interval", "250ms", "--watch", "api="+base,
		"--alert", "target.goroutines > 0 capture goroutine,heap", "--alert", "self.goroutines > 0 capture goroutine",
		"--profiles", filepath.Join(dir, "prof"), "-o", out)
	if code != exitcode.Passed {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	rep := readReport(t, out)
	got := map[string]bool{}
	for _, p := range rep.Profiles {
		if _, err := os.Stat(p.Path); err != nil {
			t.Errorf("listed profile %s: %v", p.Path, err)
		}
		got[filepath.Base(p.Path)[:strings.Index(filepath.Base(p.Path), "-2")]] = true
	}
	for _, want := range []string{"api-goroutine", "api-heap", "self-goroutine"} {
		if !got[want] {
			t.Errorf("no %s capture; report lists %v\n%s", want, rep.Profiles, stderr)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "prof", "index.json")); err != nil {
		t.Errorf("no index: %v", err)
	}
	if !strings.Contains(stderr, "profile  api goroutine →") {
		t.Errorf("stderr does not say what was captured:\n%s", stderr)
	}
}

func TestNoProfilesDirWithoutCaptureRules(t *testing.T) {
	_, base := demoTarget(t)
	dir := t.TempDir()
	if code, _, stderr := cli(t, context.Background(), "run", base+"/ok", "-n", "10", "--alert", "error_rate > 1%", "--profiles", filepath.Join(dir, "prof")); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "prof")); err == nil {
		t.Error("a run with nothing to capture created the profiles directory")
	}
}

// A run whose target leaks fails on --fail-on leak (exit 1), the finding
// naming the leaking function from the goroutine dumps it captured; the
// same run without the leak passes.
func TestFailOnLeak(t *testing.T) {
	_, base := demoTarget(t)
	for _, tc := range []struct {
		path string
		want int
	}{{"/leak?n=10", exitcode.GateFailed}, {"/ok", 0}} {
		out := filepath.Join(t.TempDir(), "r.json")
		code, stdout, stderr := cli(t, context.Background(), "run", base+tc.path, "-r", "100", "-d", "3s", "--interval", "250ms",
			"--watch", base, "--fail-on", "leak", "--no-tui", "-o", out)
		if code != tc.want {
			t.Fatalf("%s: exit %d, want %d\n%s\n%s", tc.path, code, tc.want, stdout, stderr)
		}
		rep := readReport(t, out)
		f, found := finding(rep, "leak")
		if found != (tc.want != 0) {
			t.Errorf("%s: leak found %v: %+v", tc.path, found, rep.Findings)
		}
		if found && !strings.Contains(f.Culprit, "leakedWorker") {
			t.Errorf("the leak does not name leakedWorker: %+v", f)
		}
		if g := rep.Gates; len(g) != 1 || g[0].Expr != "findings.leak == 0" || g[0].Pass != (tc.want == 0) {
			t.Errorf("%s: gates %+v", tc.path, g)
		}
	}
}
