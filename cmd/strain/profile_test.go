package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/strain-dev/strain/internal/exitcode"

	"github.com/strain-dev/strain/profiles"
)

const burnCPU = "github.com/strain-dev/strain/target.burnCPU"

func TestProfileTopAgreesWithPprof(t *testing.T) {
	_, base := demoTarget(t)
	dir := t.TempDir()
	stop := loadFor(base+"/cpu?ms=20", 3)
	code, stdout, stderr := cli(t, context.Background(), "profile", "capture", base, "--cpu", "1s", "-o", dir)
	stop()
	if code != exitcode.Passed {
		t.Fatalf("capture: exit %d: %s", code, stderr)
	}
	file := capturedFile(t, stdout, "cpu")
	code, ours, stderr := cli(t, context.Background(), "profile", "top", file, "-n", "8")
	if code != exitcode.Passed {
		t.Fatalf("top: exit %d: %s", code, stderr)
	}
	rows := topRows(ours)
	if len(rows) == 0 || !strings.HasSuffix(rows[0], burnCPU) {
		t.Fatalf("strain profile top of a CPU profile under /cpu load: want %s first, got\n%s", burnCPU, ours)
	}
	t.Logf("strain profile top:\n%s", ours)
	args := append(asSymbolized(t, file), "-nodecount=8", file)
	if pprof := goToolPprofTop(t, args...); !slices.Equal(rows, pprof) {
		t.Errorf("strain profile top disagrees with go tool pprof -top %s:\n%s\ngo tool pprof:\n%s", strings.Join(args, " "), strings.Join(rows, "\n"), strings.Join(pprof, "\n"))
	}
}

func TestProfileLeaksFindsTheLeak(t *testing.T) {
	_, base := demoTarget(t)
	dir := t.TempDir()
	before := captureGoroutines(t, base, dir)
	resp, err := http.Get(base + "/leak?n=500")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	// Goroutines not yet running have no stack in a goroutine profile:
	// capture again until all 500 wait in leakedWorker.
	want := "    +500  github.com/strain-dev/strain/target.leakedWorker  (0 → 500)"
	var out string
	for deadline := time.Now().Add(20 * time.Second); !strings.Contains(out, want) && time.Now().Before(deadline); {
		after := captureGoroutines(t, base, dir)
		_, out, _ = cli(t, context.Background(), "profile", "leaks", before, after, "-n", "3")
	}
	if !strings.Contains(out, want) {
		t.Errorf("strain profile leaks BEFORE AFTER: want a line %q, got\n%s", want, out)
	}
	code, out, stderr := cli(t, context.Background(), "profile", "leaks", before)
	if code != exitcode.Passed || !strings.Contains(out, "goroutines in") {
		t.Errorf("strain profile leaks FILE: exit %d, stdout\n%s\nstderr %s", code, out, stderr)
	}
}

func TestProfileDiff(t *testing.T) {
	_, base := demoTarget(t)
	dir := t.TempDir()
	code, stdout, stderr := cli(t, context.Background(), "profile", "capture", base, "--heap", "-o", dir)
	if code != exitcode.Passed {
		t.Fatalf("capture: exit %d: %s", code, stderr)
	}
	heap := capturedFile(t, stdout, "heap")
	diff := filepath.Join(dir, "diff.pb.gz")
	code, out, stderr := cli(t, context.Background(), "profile", "diff", heap, heap, "--write", diff)
	if code != exitcode.Passed || strings.TrimSpace(out) != "no difference" {
		t.Errorf("diff of a profile with itself: exit %d, stdout %q, stderr %q; want \"no difference\"", code, out, stderr)
	}
	if rows := goToolPprofTop(t, diff); len(rows) != 0 {
		t.Errorf("go tool pprof -top of the written diff: want no rows, got %q", rows)
	}
}

func TestProfileBadInputExits2(t *testing.T) {
	dir := t.TempDir()
	corrupt := filepath.Join(dir, "corrupt.pb.gz")
	if err := os.WriteFile(corrupt, []byte("\x1f\x8b not really"), 0o644); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "file")
	os.WriteFile(file, nil, 0o644)
	_, base := demoTarget(t)
	tests := []struct {
		name string
		args []string
		want string // in the message
	}{
		{"corrupt profile", []string{"profile", "top", corrupt}, "read " + corrupt},
		{"missing profile", []string{"profile", "top", filepath.Join(dir, "missing.pb.gz")}, "no such file"},
		{"corrupt base", []string{"profile", "diff", corrupt, corrupt}, "read " + corrupt},
		{"corrupt goroutine profile", []string{"profile", "leaks", corrupt}, "read " + corrupt},
		{"no file", []string{"profile", "top"}, "give one profile"},
		{"directory under a file", []string{"profile", "capture", base, "--heap", "-o", filepath.Join(file, "no", "such")}, "profiles directory"},
		{"directory is a file", []string{"profile", "capture", base, "--heap", "-o", file}, "profiles directory " + file},
		{"nothing to capture", []string{"profile", "capture", base, "-o", dir}, "nothing to capture"},
		{"not a URL", []string{"profile", "capture", "127.0.0.1:8080", "--heap", "-o", dir}, "want an http(s) URL"},
		{"unwritable diff", []string{"profile", "diff", corrupt, corrupt, "--write", filepath.Join(file, "d.pb.gz")}, "read "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := cli(t, context.Background(), tt.args...)
			if code != exitcode.Usage || !strings.Contains(stderr, tt.want) || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
				t.Errorf("%v: exit %d, stderr %q; want 2 and one line containing %q", tt.args, code, stderr, tt.want)
			}
		})
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*")); len(left) != 0 {
		t.Errorf("left behind: %v", left)
	}
}

func TestProfileCaptureUnreachableExits3(t *testing.T) {
	noPprof := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(noPprof.Close)
	tests := []struct {
		name, url, want string
	}{
		{"nothing listening", "http://" + closedAddr(t), "connection refused"},
		{"no pprof", noPprof.URL, "404 Not Found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			code, _, stderr := cli(t, context.Background(), "profile", "capture", tt.url, "--heap", "-o", dir)
			if code != exitcode.CannotRun || !strings.Contains(stderr, "heap: ") || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want 3 naming the heap capture and %q", code, stderr, tt.want)
			}
			if left, _ := os.ReadDir(dir); len(left) != 0 {
				t.Errorf("a failed capture left %v", left)
			}
		})
	}
}

// captureGoroutines captures base's goroutines into dir via the CLI.
func captureGoroutines(t *testing.T, base, dir string) string {
	t.Helper()
	code, stdout, stderr := cli(t, context.Background(), "profile", "capture", base+"/debug/pprof/", "--goroutine", "-o", dir)
	if code != exitcode.Passed {
		t.Fatalf("capture: exit %d: %s", code, stderr)
	}
	return capturedFile(t, stdout, "goroutine")
}

// capturedFile finds the file of kind in capture's output.
func capturedFile(t *testing.T, stdout, kind string) string {
	t.Helper()
	for _, line := range strings.Split(stdout, "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == kind {
			return f[1]
		}
	}
	t.Fatalf("no %s capture in:\n%s", kind, stdout)
	return ""
}

// loadFor keeps a few clients GETting url until stopped.
func loadFor(url string, clients int) (stop func()) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			for ctx.Err() == nil {
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
				if resp, err := http.DefaultClient.Do(req); err == nil {
					resp.Body.Close()
				}
			}
		})
	}
	return func() { cancel(); wg.Wait() }
}

// goToolPprofTop runs `go tool pprof -top ARGS` and returns its rows,
// skipping the test when the go tool is not on PATH.
func goToolPprofTop(t *testing.T, args ...string) []string {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go not on PATH")
	}
	cmd := exec.Command("go", append([]string{"tool", "pprof", "-top"}, args...)...)
	cmd.Env = append(os.Environ(), "PPROF_TMPDIR="+t.TempDir())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go tool pprof -top %v: %v\n%s", args, err, out)
	}
	return topRows(string(out))
}

// topRows are a listing's lines after its column header.
func topRows(out string) []string {
	_, table, ok := strings.Cut(out, "flat  flat%   sum%        cum   cum%\n")
	if !ok || strings.TrimSpace(table) == "" {
		return nil
	}
	return strings.Split(strings.TrimRight(table, "\n"), "\n")
}

// asSymbolized returns the pprof flag that reads file's names as they
// are. A profile of a cgo or -race binary (these tests, under -race) has
// its binary's mapping unmarked as symbolized, so pprof, finding that
// binary still on disk, symbolizes it again from DWARF and demangles the
// race runtime's C++ names; strain reads the names the profile holds, as
// pprof does when the binary is gone.
func asSymbolized(t *testing.T, file string) []string {
	t.Helper()
	p, err := profiles.Read(file)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Mapping) > 0 && !p.Mapping[0].HasFunctions {
		t.Logf("%s: binary mapping not marked symbolized; comparing with -symbolize=none", p.Mapping[0].File)
		return []string{"-symbolize=none"}
	}
	return nil
}

// The line that says a timed capture began quotes its URL redacted.
func TestProfileCaptureRedactsItsURL(t *testing.T) {
	_, base := demoTarget(t)
	secret := strings.Replace(base, "http://", "http://user:hunter2@", 1) + "/?token=s3cret"
	code, stdout, stderr := cli(t, context.Background(), "profile", "capture", secret, "--cpu", "1s", "-o", t.TempDir())
	if code != exitcode.Passed {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, leak := range []string{"hunter2", "s3cret"} {
		if strings.Contains(stdout+stderr, leak) {
			t.Errorf("%q printed:\n%s%s", leak, stdout, stderr)
		}
	}
	if !strings.Contains(stderr, "capturing cpu") {
		t.Errorf("stderr %q lacks the capture line", stderr)
	}
}
