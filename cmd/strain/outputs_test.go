package main

import (
	"context"
	"encoding/xml"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/strain-dev/strain/internal/exitcode"
)

// Outputs never clobber what is not theirs to replace: a link is followed
// and its target written beside itself, a FIFO's reader gets the file, a
// device stays a device, and standard output is written through.
func TestOutputsNeverClobber(t *testing.T) {
	bin := binary(t)
	_, base := demoTarget(t)
	dir, elsewhere := t.TempDir(), t.TempDir()
	fifo := filepath.Join(dir, "junit.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	real := filepath.Join(elsewhere, "report.json")
	link := filepath.Join(dir, "report.json")
	stdoutLink := filepath.Join(dir, "to-stdout.md")
	for old, new := range map[string]string{real: link, "/dev/stdout": stdoutLink} {
		if err := os.Symlink(old, new); err != nil {
			t.Fatal(err)
		}
	}
	junit := make(chan string, 1)
	go func() {
		b, _ := os.ReadFile(fifo) // waits for strain to open it
		junit <- string(b)
	}()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "run", base+"/ok", "-n", "20", "--no-tui",
		"-o", link, "--junit", fifo, "--markdown", stdoutLink, "--html", "/dev/null")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdout, err := cmd.Output()
	if code := exitStatus(err); code != 0 {
		t.Fatalf("exit %d: %v\n%s", code, err, stderr.String())
	}
	select {
	case got := <-junit:
		if err := xml.Unmarshal([]byte(got), new(struct{})); err != nil || !strings.Contains(got, "<testsuite") {
			t.Errorf("the FIFO's reader got %q (%v), want the JUnit file", got, err)
		}
	case <-time.After(5 * time.Second):
		if f, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			f.Close() // lets the reader go
		}
		t.Error("the FIFO's reader got nothing")
	}
	for path, want := range map[string]fs.FileMode{link: fs.ModeSymlink, stdoutLink: fs.ModeSymlink, fifo: fs.ModeNamedPipe, "/dev/null": fs.ModeCharDevice | fs.ModeDevice} {
		if fi, err := os.Lstat(path); err != nil || fi.Mode().Type() != want {
			t.Errorf("%s is no longer a %v: %v", path, want, err)
		}
	}
	if rep := readReport(t, real); rep.Summary["requests"] != 20 {
		t.Errorf("the link's target holds %v requests, want 20", rep.Summary["requests"])
	}
	md, text, ok := strings.Cut(string(stdout), "requests     20")
	if !ok || !strings.Contains(md, "## strain") || !strings.Contains(text, "latency") {
		t.Errorf("stdout is not the Markdown summary then the text summary:\n%s", stdout)
	}
	for _, d := range []string{dir, elsewhere} {
		if left, _ := filepath.Glob(filepath.Join(d, ".*")); len(left) > 0 {
			t.Errorf("temporary files left: %v", left)
		}
	}
}

// Two outputs naming one file, an output naming a directory, and a
// baseline that is not a strain report are refused before any load.
func TestOutputsAndBaselineRefusedBeforeLoad(t *testing.T) {
	srv, base := demoTarget(t)
	dir := t.TempDir()
	x := filepath.Join(dir, "x")
	linkToX := filepath.Join(dir, "link")
	os.Symlink(x, linkToX)
	os.Mkdir(filepath.Join(dir, "sub"), 0o755)
	notReport := filepath.Join(dir, "other.json")
	os.WriteFile(notReport, []byte(`{"foo": 1}`), 0o644)
	otherSchema := filepath.Join(dir, "index.json")
	os.WriteFile(otherSchema, []byte(`{"schema": "strain.profiles/v1", "captures": []}`), 0o644)
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"-o and --html one file", []string{"-o", x, "--html", x}, "the JSON report and the HTML report are both " + x},
		{"spelt two ways", []string{"--junit", x, "--markdown", dir + "/./sub/../x"}, "are one file"}, // sub exists
		{"through a missing directory", []string{"-o", dir + "/missing/../y"}, "cannot write " + dir + "/missing/../y: no such file or directory"},
		{"a link to another", []string{"-o", x, "--html", linkToX}, "the JSON report (" + x + ") and the HTML report (" + linkToX + ") are one file"},
		{"a directory", []string{"-o", dir}, "cannot write " + dir + ": is a directory"},
		{"baseline not a report", []string{"--baseline", notReport}, "--baseline " + notReport + ": not a strain report: no schema"},
		{"baseline of another schema", []string{"--baseline", otherSchema}, `schema "strain.profiles/v1"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"run", base + "/ok", "-n", "5"}, tc.args...)
			code, stdout, stderr := cli(t, context.Background(), args...)
			if code != exitcode.Usage || !strings.Contains(stderr, tc.want) || strings.Count(stderr, "\n") != 1 || stdout != "" {
				t.Errorf("exit %d, stderr %q, stdout %q; want 2 and one line saying %q", code, stderr, stdout, tc.want)
			}
		})
	}
	if n := srv.Requests(); n != 0 {
		t.Errorf("%d requests reached the target", n)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 4 {
		t.Errorf("%d files in the directory, want the 4 made by the test", len(entries))
	}
	if _, err := os.Lstat(x); err == nil {
		t.Error("x was written")
	}
}
