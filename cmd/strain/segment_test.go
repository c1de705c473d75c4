package main

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/strain-dev/strain/internal/exitcode"
)

// runSegments runs the load split over n strain processes that start
// together, and returns their reports' paths; kill, when in range, is a
// segment killed before its end.
func runSegments(t *testing.T, n, kill int, args ...string) []string {
	t.Helper()
	dir := t.TempDir()
	at := time.Now().Add(1500 * time.Millisecond).UTC().Format(time.RFC3339Nano)
	var procs []*strainProc
	var paths []string
	for i := range n {
		path := filepath.Join(dir, fmt.Sprintf("segment-%d.json", i))
		paths = append(paths, path)
		procs = append(procs, startStrain(t, append([]string{"run", "--segment", fmt.Sprintf("%d/%d", i, n), "--start-at", at,
			"--no-tui", "-o", path}, args...)...))
	}
	for i, p := range procs {
		if i == kill {
			p.waitFor(t, "req/s", 10*time.Second)
			p.cmd.Process.Kill()
			p.exit(t, 10*time.Second)
			continue
		}
		if code := p.exit(t, 30*time.Second); code != exitcode.Passed {
			t.Fatalf("segment %d: exit %d\n%s", i, code, p.stderr.String())
		}
	}
	return paths
}

// Three segments of an open-model load at 300 req/s, 900 requests in all,
// merged: the merged requests equal the server's own count, the
// throughput is the whole's, and gates on the merged report decide the
// exit code, once. (Bounded by -d instead, a request due just before the
// end can be cut off in flight on a busy machine, and counted nowhere.)
func TestSegmentsMergeToTheWhole(t *testing.T) {
	srv, base := demoTarget(t)
	paths := runSegments(t, 3, -1, base+"/ok", "-r", "300", "-n", "900") // bounded by count: none cut off at the end
	out := filepath.Join(t.TempDir(), "merged.json")
	code, stdout, stderr := cli(t, context.Background(), append([]string{"merge", "-o", out, "--gate", "requests == 900"}, paths...)...)
	if code != exitcode.Passed {
		t.Fatalf("merge: exit %d\n%s\n%s", code, stdout, stderr)
	}
	rep := readReport(t, out)
	if got := srv.Requests(); rep.Summary["requests"] != float64(got) || got != 900 {
		t.Errorf("merged requests %g, the server counted %d; want 900", rep.Summary["requests"], got)
	}
	if thr := rep.Summary["throughput"]; math.Abs(thr-300)/300 > 0.02 {
		t.Errorf("merged throughput %g, want 300 within 2%%", thr)
	}
	if rep.Load.Rate != 300 || rep.Merged == nil || len(rep.Merged.Segments) != 3 {
		t.Errorf("rate %g merged %+v", rep.Load.Rate, rep.Merged)
	}
	if !strings.Contains(stdout, "merged from 3 segments") {
		t.Errorf("the summary does not say it is merged:\n%s", stdout)
	}
	code, _, _ = cli(t, context.Background(), append([]string{"merge", "--gate", "requests > 900"}, paths...)...)
	if code != exitcode.GateFailed {
		t.Errorf("a failed gate on the merged report: exit %d, want %d", code, exitcode.GateFailed)
	}
	if code, again, stderr := cli(t, context.Background(), "report", out); code != exitcode.Passed || again != stdout {
		t.Errorf("strain report of the merged report: exit %d (%s), text:\n%s\nthe merge's:\n%s", code, stderr, again, stdout)
	}
	// A segment against the whole: the latency tested through the
	// segment's histograms and the merged ones.
	if code, cmp, stderr := cli(t, context.Background(), "report", paths[0], out); code != exitcode.Passed || !strings.Contains(cmp, "Mann-Whitney U over 300 and 900 requests") {
		t.Errorf("a segment against the merged report: exit %d (%s):\n%s", code, stderr, cmp)
	}
}

// A killed segment leaves no report: merging without it is an error,
// unless --allow-partial, which says which one is missing.
func TestKilledSegment(t *testing.T) {
	_, base := demoTarget(t)
	paths := runSegments(t, 3, 1, base+"/ok", "-c", "3", "-d", "3s")
	code, _, stderr := cli(t, context.Background(), append([]string{"merge"}, paths[0], paths[2])...)
	if code != exitcode.Usage || !strings.Contains(stderr, "segment 1/3 is missing") {
		t.Errorf("exit %d, want %d naming segment 1/3:\n%s", code, exitcode.Usage, stderr)
	}
	out := filepath.Join(t.TempDir(), "merged.json")
	code, stdout, stderr := cli(t, context.Background(), "merge", "--allow-partial", "-o", out, paths[0], paths[2])
	if code != exitcode.Passed {
		t.Fatalf("--allow-partial: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if rep := readReport(t, out); !rep.Merged.Partial || rep.Load.Concurrency != 2 || !strings.Contains(stdout, "PARTIAL") {
		t.Errorf("merged %+v concurrency %d:\n%s", rep.Merged, rep.Load.Concurrency, stdout)
	}
}

func TestSegmentUsage(t *testing.T) {
	_, base := demoTarget(t)
	for name, args := range map[string][]string{
		"segment out of range": {"run", base, "--segment", "3/3"},
		"no worker":            {"run", base, "-c", "2", "--segment", "2/3"},
		"start-at":             {"run", base, "--start-at", "tomorrow"},
		"start-at far":         {"run", base, "--start-at", time.Now().Add(48 * time.Hour).UTC().Format(time.RFC3339)},
		"merge nothing":        {"merge"},
		"merge a non-report":   {"merge", "main.go"},
	} {
		if code, _, stderr := cli(t, context.Background(), args...); code != exitcode.Usage || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%s: exit %d, want %d with one line:\n%s", name, code, exitcode.Usage, stderr)
		}
	}
}
