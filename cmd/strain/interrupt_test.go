package main

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/strain-dev/strain/internal/exitcode"

	"github.com/strain-dev/strain/profiles"
	"github.com/strain-dev/strain/report"
)

// syncBuffer is a strings.Builder that a process writes to while the test
// reads it.
type syncBuffer struct {
	mu sync.Mutex // the process's copier writes while the test polls
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// strainProc is the real binary, running.
type strainProc struct {
	cmd            *exec.Cmd
	stdout, stderr *syncBuffer
	done           chan error
}

func startStrain(t *testing.T, args ...string) *strainProc {
	t.Helper()
	p := &strainProc{cmd: exec.Command(binary(t), args...), stdout: &syncBuffer{}, stderr: &syncBuffer{}, done: make(chan error, 1)}
	p.cmd.Stdout, p.cmd.Stderr = p.stdout, p.stderr
	p.cmd.Dir = t.TempDir() // diagnosis may capture profiles into ./strain-profiles
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(func() { p.cmd.Process.Kill() })
	return p
}

// waitFor waits until stderr holds want.
func (p *strainProc) waitFor(t *testing.T, want string, within time.Duration) {
	t.Helper()
	for end := time.Now().Add(within); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if strings.Contains(p.stderr.String(), want) {
			return
		}
	}
	t.Fatalf("stderr lacks %q after %v:\n%s", want, within, p.stderr.String())
}

// exit waits for the process to end and returns its exit code.
func (p *strainProc) exit(t *testing.T, within time.Duration) int {
	t.Helper()
	select {
	case err := <-p.done:
		return exitStatus(err)
	case <-time.After(within):
		p.cmd.Process.Kill()
		t.Fatalf("strain did not exit within %v\nstderr:\n%s", within, p.stderr.String())
		return -1
	}
}

// onlyFiles fails t unless dir holds exactly want: no temporary file, no
// stray output.
func onlyFiles(t *testing.T, dir string, want ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("%s holds %q, want %q", dir, got, want)
	}
}

// ciOutputs are the four outputs of a run, by flag, in dir.
func ciOutputs(dir string) map[string]string {
	return map[string]string{
		"-o": filepath.Join(dir, "r.json"), "--junit": filepath.Join(dir, "j.xml"),
		"--markdown": filepath.Join(dir, "s.md"), "--html": filepath.Join(dir, "r.html"),
	}
}

func withOutputs(args []string, outs map[string]string) []string {
	for _, flag := range slices.Sorted(maps.Keys(outs)) {
		args = append(args, flag, outs[flag])
	}
	return args
}

// checkOutput fails t unless the output of flag at path is absent (when
// absentOK) or complete and marked interrupted.
func checkOutput(t *testing.T, flag, path string, absentOK bool) (present bool) {
	t.Helper()
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) && absentOK {
		return false
	}
	if err != nil {
		t.Errorf("%s: %v", flag, err)
		return false
	}
	switch flag {
	case "-o":
		var rep report.Report
		if err := json.Unmarshal(b, &rep); err != nil || !rep.Interrupted {
			t.Errorf("-o %s: interrupted %v, %v (%d bytes)", path, rep.Interrupted, err, len(b))
		}
	case "--junit":
		var suites struct {
			Cases []struct {
				Failure *struct {
					Type string `xml:"type,attr"`
				} `xml:"failure"`
			} `xml:"testsuite>testcase"`
		}
		if err := xml.Unmarshal(b, &suites); err != nil || len(suites.Cases) == 0 || suites.Cases[0].Failure == nil || suites.Cases[0].Failure.Type != "interrupted" {
			t.Errorf("--junit %s: %v, not an interrupted run:\n%s", path, err, b)
		}
	case "--markdown":
		// The headline's mark is the worst finding's, or ⚠️ for none.
		if head, _, _ := strings.Cut(string(b), "\n"); !strings.HasPrefix(head, "## strain: ") || !strings.Contains(head, " interrupted") {
			t.Errorf("--markdown %s does not say interrupted:\n%.200s", path, b)
		}
	case "--html":
		if !strings.Contains(string(b), "interrupted") || !strings.HasSuffix(strings.TrimSpace(string(b)), "</html>") {
			t.Errorf("--html %s: not a whole page of an interrupted run (%d bytes)", path, len(b))
		}
	}
	return true
}

// A ramp interrupted in its first stage: every output written, the JSON
// keeps the stages asked for.
func TestInterruptDuringRamp(t *testing.T) {
	_, base := demoTarget(t)
	dir := t.TempDir()
	outs := ciOutputs(dir)
	p := startStrain(t, withOutputs([]string{"run", base + "/ok", "--stages", "20s:8,20s:0", "-c", "1", "--no-tui"}, outs)...)
	p.waitFor(t, "req/s", 10*time.Second)
	p.cmd.Process.Signal(syscall.SIGINT)
	if got := p.exit(t, 10*time.Second); got != exitcode.Interrupted {
		t.Fatalf("exit %d, want %d\n%s", got, exitcode.Interrupted, p.stderr.String())
	}
	for flag, path := range outs {
		checkOutput(t, flag, path, false)
	}
	rep := readReport(t, outs["-o"])
	want := []report.Stage{{DurationSeconds: 20, Target: 8}, {DurationSeconds: 20, Target: 0}}
	if !slices.Equal(rep.Load.Stages, want) || rep.DurationSeconds >= 20 || rep.Summary["requests"] == 0 {
		t.Errorf("report: stages %v (want %v), %.1fs, %v requests", rep.Load.Stages, want, rep.DurationSeconds, rep.Summary["requests"])
	}
	onlyFiles(t, dir, "r.json", "j.xml", "s.md", "r.html")
	if !strings.Contains(p.stdout.String(), "(interrupted)") {
		t.Errorf("stdout lacks the summary:\n%s", p.stdout.String())
	}
}

// An interrupt while a CPU profile (10 s) is being captured cancels the
// capture at once: no file for it, no temporary file, and every profile
// the report lists is whole.
func TestInterruptDuringCapture(t *testing.T) {
	_, base := demoTarget(t)
	dir := t.TempDir()
	prof := filepath.Join(dir, "prof")
	out := filepath.Join(dir, "r.json")
	p := startStrain(t, "run", base+"/ok", "-d", "1m", "-c", "2", "--interval", "250ms", "--no-tui", "--watch", base,
		"--alert", "target.goroutines > 0 capture cpu,goroutine", "--profiles", prof, "-o", out)
	host := strings.TrimPrefix(base, "http://")
	p.waitFor(t, "profile  "+host+" goroutine →", 10*time.Second)
	if strings.Contains(p.stderr.String(), "profile  "+host+" cpu") {
		t.Fatalf("the CPU capture ended before the interrupt:\n%s", p.stderr.String())
	}
	sent := time.Now()
	p.cmd.Process.Signal(syscall.SIGINT)
	if got := p.exit(t, 10*time.Second); got != exitcode.Interrupted {
		t.Fatalf("exit %d, want %d\n%s", got, exitcode.Interrupted, p.stderr.String())
	}
	// The capture has most of its 10 s to go: waiting for it would take
	// well over 6 s; a busy machine may take a few to exit.
	if took := time.Since(sent); took > 6*time.Second {
		t.Errorf("exit %v after the signal: the CPU capture in flight was waited for", took)
	}
	rep := readReport(t, out)
	if !rep.Interrupted || len(rep.Profiles) == 0 {
		t.Fatalf("report: interrupted %v, profiles %v", rep.Interrupted, rep.Profiles)
	}
	want := []string{profiles.IndexFile}
	for _, pr := range rep.Profiles {
		if pr.Kind == "cpu" {
			t.Errorf("the cancelled CPU capture is listed: %s", pr.Path)
		}
		if _, err := profiles.Read(pr.Path); err != nil {
			t.Errorf("listed profile: %v", err)
		}
		want = append(want, filepath.Base(pr.Path))
	}
	onlyFiles(t, prof, want...)
	if idx, err := profiles.ReadIndex(prof); err != nil || len(idx.Captures) != len(rep.Profiles) {
		t.Errorf("index: %v, %d captures, report lists %d", err, len(idx.Captures), len(rep.Profiles))
	}
	if !strings.Contains(p.stderr.String(), "cpu cancelled") || !slices.ContainsFunc(rep.Warnings, func(w string) bool { return strings.Contains(w, "cancelled") }) {
		t.Errorf("neither stderr nor the report's warnings %q say the CPU capture was cancelled:\n%s", rep.Warnings, p.stderr.String())
	}
}

// SIGINT, then from a moment on a SIGINT or SIGTERM every millisecond
// until strain exits, over several runs that move that moment across the
// whole shutdown: always exit 130, and each output is either absent or
// whole, never a temporary file.
func TestSignalBurstLeavesNoHalfFile(t *testing.T) {
	if testing.Short() {
		t.Skip("several runs of the binary")
	}
	_, base := demoTarget(t)
	// Points every 10ms with the target watched make outputs of a few
	// hundred KiB, to widen the window.
	args := []string{"run", base + "/ok", "-d", "1m", "-c", "2", "--interval", "10ms", "--no-tui", "--watch", base}
	stop := func(burstAfter time.Duration) (code int, took time.Duration, dir string) {
		dir = t.TempDir()
		p := startStrain(t, withOutputs(args, ciOutputs(dir))...)
		p.waitFor(t, "req/s", 10*time.Second)
		time.Sleep(2 * time.Second) // a longer series, larger outputs
		sent := time.Now()
		p.cmd.Process.Signal(syscall.SIGINT)
		exited := make(chan struct{})
		if burstAfter >= 0 {
			go func() {
				time.Sleep(burstAfter)
				for i := 0; ; i++ {
					p.cmd.Process.Signal([]syscall.Signal{syscall.SIGINT, syscall.SIGTERM}[i%2])
					select {
					case <-exited:
						return
					case <-time.After(time.Millisecond):
					}
				}
			}()
		}
		code = p.exit(t, 15*time.Second)
		close(exited)
		return code, time.Since(sent), dir
	}
	// Calibrate: how long a single SIGINT takes to end the run.
	_, whole, _ := stop(-1)
	const runs = 8
	written := 0
	for i := range runs {
		after := whole * time.Duration(i) / runs
		code, took, dir := stop(after)
		if code != exitcode.Interrupted {
			t.Errorf("burst %v after SIGINT: exit %d, want %d", after, code, exitcode.Interrupted)
		}
		var present []string
		for flag, path := range ciOutputs(dir) {
			if checkOutput(t, flag, path, true) {
				present = append(present, filepath.Base(path))
				written++
			}
		}
		onlyFiles(t, dir, present...)
		t.Logf("burst from %v: exit %d after %v, written %q", after, code, took, present)
	}
	t.Logf("a single SIGINT ended the run in %v; %d of %d outputs were written despite the bursts", whole, written, runs*4)
}

// mountFull mounts a 16 KiB tmpfs and fills it, or skips t where mounting
// is not allowed.
func mountFull(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "full")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=16k"); err != nil {
		t.Skipf("cannot mount a tmpfs here: %v", err)
	}
	t.Cleanup(func() { syscall.Unmount(dir, syscall.MNT_DETACH) })
	f, err := os.Create(filepath.Join(dir, "fill"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	_, err = f.Write(make([]byte, 64<<10))
	if !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("filling the tmpfs: %v, want ENOSPC", err)
	}
	return dir
}

// An output on a full disk: one line naming it, exit 2, and the other
// outputs and the summary are still written; nothing is left on the disk.
func TestFullDiskExits2(t *testing.T) {
	full := mountFull(t)
	_, base := demoTarget(t)
	for _, tt := range []struct {
		name    string
		args    []string
		summary bool
	}{
		{"run", []string{"run", base + "/ok", "-n", "200", "-c", "2", "--no-tui"}, true},
		{"watch", []string{"watch", base, "-d", "600ms", "--interval", "200ms"}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			out, junit := filepath.Join(full, tt.name+".json"), filepath.Join(dir, "j.xml")
			p := startStrain(t, append(tt.args, "-o", out, "--junit", junit)...)
			if got := p.exit(t, 20*time.Second); got != exitcode.Usage {
				t.Fatalf("exit %d, want %d\n%s", got, exitcode.Usage, p.stderr.String())
			}
			var errLines []string
			for _, line := range strings.Split(p.stderr.String(), "\n") {
				if strings.HasPrefix(line, "strain:") || strings.Contains(line, "goroutine ") || strings.Contains(line, "panic:") {
					errLines = append(errLines, line)
				}
			}
			want := "strain: write " + out + ": no space left on device"
			if len(errLines) != 1 || errLines[0] != want {
				t.Errorf("stderr's error lines %q, want just %q", errLines, want)
			}
			var suites struct {
				Tests int `xml:"tests,attr"`
			}
			if b, err := os.ReadFile(junit); err != nil || xml.Unmarshal(b, &suites) != nil || suites.Tests == 0 {
				t.Errorf("--junit on the other disk: %v\n%s", err, b)
			}
			if tt.summary && !strings.Contains(p.stdout.String(), "requests") {
				t.Errorf("no summary on stdout:\n%s", p.stdout.String())
			}
			onlyFiles(t, full, "fill")
		})
	}
}
