package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/strain-dev/strain/internal/exitcode"
	"github.com/strain-dev/strain/report"
)

// The text, Markdown, JUnit and HTML strain report renders from a saved
// report are what strain run wrote for the same run, byte for byte, and
// its exit code is the run's.
func TestReportRendersWhatRunWrote(t *testing.T) {
	t.Setenv("GITHUB_STEP_SUMMARY", "")
	_, base := demoTarget(t)
	dir := t.TempDir()
	at := func(name string) string { return filepath.Join(dir, name) }
	code, runOut, stderr := cli(t, context.Background(), "run", base+"/ok", "-d", "2s", "-r", "200", "--watch", base,
		"--gate", "latency.p99 < 1h", "--gate", "target.goroutines.max < 100000",
		"-o", at("run.json"), "--markdown", at("run.md"), "--junit", at("run.xml"), "--html", at("run.html"))
	if code != exitcode.Passed {
		t.Fatalf("run: exit %d: %s", code, stderr)
	}
	code, again, stderr := cli(t, context.Background(), "report", at("run.json"),
		"--markdown", at("again.md"), "--junit", at("again.xml"), "--html", at("again.html"))
	if code != exitcode.Passed {
		t.Fatalf("report: exit %d: %s", code, stderr)
	}
	if !strings.Contains(runOut, "target.goroutines.max") || !strings.Contains(runOut, "goroutines") {
		t.Errorf("the run's text has no target figures to compare:\n%s", runOut)
	}
	if again != runOut {
		t.Errorf("the text differs:\nrun:\n%s\nreport:\n%s", runOut, again)
	}
	for _, ext := range []string{"md", "xml", "html"} {
		want, err1 := os.ReadFile(at("run." + ext))
		got, err2 := os.ReadFile(at("again." + ext))
		if err1 != nil || err2 != nil || string(got) != string(want) || len(got) == 0 {
			t.Errorf("the %s differs (%v, %v): %d bytes against the run's %d", ext, err1, err2, len(got), len(want))
		}
	}
}

// A gate judged on a saved report gives the verdict the run gave with it,
// and the same text; the saved report with no gate keeps its verdict.
func TestReportGatesJudgeAgain(t *testing.T) {
	_, base := demoTarget(t)
	dir := t.TempDir()
	for i, tc := range []struct {
		gate string
		want int
	}{{"latency.p99 < 1h", exitcode.Passed}, {"latency.p50 < 1ns", exitcode.GateFailed}, {"requests == 120", exitcode.Passed}, {"error_rate > 0.5", exitcode.GateFailed}} {
		t.Run(tc.gate, func(t *testing.T) {
			saved := filepath.Join(dir, fmt.Sprintf("%d.json", i))
			runCode, runOut, stderr := cli(t, context.Background(), "run", base+"/ok", "-n", "120", "-c", "2", "--gate", tc.gate, "-o", saved)
			if runCode != tc.want {
				t.Fatalf("run: exit %d, want %d: %s", runCode, tc.want, stderr)
			}
			code, out, stderr := cli(t, context.Background(), "report", saved, "--gate", tc.gate)
			if code != runCode || out != runOut {
				t.Errorf("report --gate: exit %d (%s), the run's %d; text:\n%s\nthe run's:\n%s", code, stderr, runCode, out, runOut)
			}
			if code, _, _ := cli(t, context.Background(), "report", saved); code != runCode {
				t.Errorf("report with no gate: exit %d, the run's %d", code, runCode)
			}
		})
	}
}

// A second gate replaces the saved ones: a report that failed passes on a
// gate it meets; an interrupted run's report exits as the run did (130);
// a gate on a metric strain does not know is exit 2.
func TestReportGateReplacesSaved(t *testing.T) {
	_, base := demoTarget(t)
	saved := filepath.Join(t.TempDir(), "r.json")
	if code, _, stderr := cli(t, context.Background(), "run", base+"/ok", "-n", "50", "--gate", "latency.p50 < 1ns", "-o", saved); code != exitcode.GateFailed {
		t.Fatalf("run: exit %d: %s", code, stderr)
	}
	code, out, _ := cli(t, context.Background(), "report", saved, "--gate", "requests == 50")
	if code != exitcode.Passed || strings.Contains(out, "1ns") || !strings.Contains(out, "requests == 50") {
		t.Errorf("exit %d, text:\n%s\nwant 0, judged on the new gate alone", code, out)
	}
	rep := readReport(t, saved)
	rep.Interrupted = true
	interrupted := filepath.Join(t.TempDir(), "interrupted.json")
	if f, err := os.Create(interrupted); err == nil {
		rep.WriteJSON(f)
		f.Close()
	}
	if code, out, _ := cli(t, context.Background(), "report", interrupted, "--gate", "requests == 50"); code != exitcode.Interrupted || !strings.Contains(out, "(interrupted)") {
		t.Errorf("an interrupted run's report: exit %d, want %d as the run's, and said:\n%s", code, exitcode.Interrupted, out)
	}
	code, _, stderr := cli(t, context.Background(), "report", saved, "--gate", "latency.p100 < 1s")
	if code != exitcode.Usage || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, "unknown metric") {
		t.Errorf("exit %d, stderr %q; want 2 and one line", code, stderr)
	}
}

// What is not a strain report, or is one cut short, too large or of
// another version, is one line on stderr and exit 2, with nothing on
// stdout; so is a count of files that is not one or two.
func TestReportRefusesHostileInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	valid, err := os.ReadFile(filepath.Join("..", "..", "report", "testdata", "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	huge := filepath.Join(dir, "huge.json")
	if f, err := os.Create(huge); err == nil {
		f.Truncate(report.MaxFileBytes + 1) // sparse: costs no disk
		f.Close()
	}
	ok := write("ok.json", string(valid))
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"not JSON", []string{write("text.json", "hello\n")}, "decode report"},
		{"truncated", []string{write("cut.json", string(valid[:len(valid)/2]))}, "decode report"},
		{"another JSON", []string{write("other.json", `{"foo": 1}`)}, "not a strain report: no schema"},
		{"another version", []string{write("v2.json", `{"schema": "strain.report/v2"}`)}, `schema "strain.report/v2"`},
		{"empty", []string{write("empty.json", "")}, "decode report"},
		{"huge", []string{huge}, "more than a report"},
		{"missing", []string{filepath.Join(dir, "missing.json")}, "no such file"},
		{"a directory", []string{dir}, "is a directory"},
		{"the second of two", []string{ok, write("cut2.json", `{"schema": "strain.report/v1", "summary": {`)}, "decode report"},
		{"no file", nil, "accepts between 1 and 2 arg(s)"},
		{"three files", []string{ok, ok, ok}, "accepts between 1 and 2 arg(s)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := cli(t, context.Background(), append([]string{"report"}, tc.args...)...)
			if code != exitcode.Usage || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, tc.want) || stdout != "" {
				t.Errorf("exit %d, stderr %q, stdout %q; want 2 and one line saying %q", code, stderr, stdout, tc.want)
			}
		})
	}
}

// delayServer answers after the delay it holds, which a test changes
// between runs: a service with a known added latency.
func delayServer(t *testing.T) (string, *atomic.Int64) {
	var delay atomic.Int64
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(time.Duration(delay.Load()))
	}))
	t.Cleanup(hs.Close)
	return hs.URL, &delay
}

// Two runs of a service, the second with 2ms added to every response:
// strain report says the latency rose beyond the noise, over the requests
// and over the runs' intervals, by about the delay at the median, in its
// text and its page.
func TestReportComparesRuns(t *testing.T) {
	url, delay := delayServer(t)
	dir := t.TempDir()
	at := func(name string) string { return filepath.Join(dir, name) }
	for _, run := range []struct {
		file  string
		delay time.Duration
	}{{"old.json", time.Millisecond}, {"new.json", 3 * time.Millisecond}} {
		delay.Store(int64(run.delay))
		if code, _, stderr := cli(t, context.Background(), "run", url, "-c", "2", "-d", "2s", "--interval", "100ms", "-o", at(run.file)); code != exitcode.Passed {
			t.Fatalf("run: exit %d: %s", code, stderr)
		}
	}
	code, out, stderr := cli(t, context.Background(), "report", at("old.json"), at("new.json"), "--html", at("c.html"), "--markdown", at("c.md"),
		"--gate", "latency.p50 < 1h")
	if code != exitcode.Passed {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if said := "latency: tends higher in " + at("new.json") + ", beyond the noise (Mann-Whitney U over "; !strings.Contains(out, said) || !strings.Contains(out, " intervals, p") {
		t.Errorf("the text does not say the latency rose:\n%s", out)
	}
	p50 := rowOf(out, "latency.p50")
	if len(p50) < 4 || p50[3] == "~" || !strings.HasPrefix(p50[3], "+") {
		t.Errorf("the p50's row is %q, want a rise beyond the noise", p50)
	}
	oldRep, newRep := readReport(t, at("old.json")), readReport(t, at("new.json"))
	rise := newRep.Summary["latency.p50"] - oldRep.Summary["latency.p50"]
	t.Logf("p50 %v → %v: +%v, with 2ms added", oldRep.Summary["latency.p50"], newRep.Summary["latency.p50"], rise)
	// A sleep overshoots on a busy machine (under -race, with the
	// suite's other tests): the rise is at least the delay, less the
	// timer's slack, and of its order.
	if rise < 0.0015 || rise > 0.006 {
		t.Errorf("the p50 rose by %v, want about the 2ms added", rise)
	}
	page, _ := os.ReadFile(at("c.html"))
	md, _ := os.ReadFile(at("c.md"))
	if !strings.Contains(string(page), `stroke-dasharray`) || !strings.Contains(string(page), "Mann-Whitney U") || !strings.Contains(string(md), "| `latency.p50` |") {
		t.Errorf("the page or the Markdown lacks the overlay or the table")
	}
}

// rowOf is the fields of the table's row for metric in text.
func rowOf(text, metric string) []string {
	for _, line := range strings.Split(text, "\n") {
		if f := strings.Fields(line); len(f) > 0 && f[0] == metric {
			return f
		}
	}
	return nil
}
