package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/strain-dev/strain/internal/exitcode"

	"github.com/strain-dev/strain/loadgen"
	"github.com/strain-dev/strain/report"
	"github.com/strain-dev/strain/target"
)

// cli runs strain in-process, as main would, and returns its exit code and
// output.
func cli(t *testing.T, ctx context.Context, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	if len(args) > 0 && (args[0] == "run" || args[0] == "watch" || args[0] == "capacity") && !slices.Contains(args, "--profiles") {
		// Diagnosis may capture profiles: never into the source tree.
		args = append(args, "--profiles", t.TempDir())
	}
	var out, errOut bytes.Buffer
	err := run(ctx, args, &out, &errOut)
	if err != nil && !exitcode.Quiet(err) {
		errOut.WriteString("strain: " + err.Error() + "\n")
	}
	return exitcode.Of(err), out.String(), errOut.String()
}

// demoTarget serves the demo target on loopback.
func demoTarget(t *testing.T) (*target.Server, string) {
	t.Helper()
	srv := target.New(target.Options{})
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(func() { hs.Close(); srv.Close() })
	return srv, hs.URL
}

func readReport(t *testing.T, path string) *report.Report {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("open report: %v", err)
	}
	defer f.Close()
	rep, err := report.Read(f)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func closedAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestRunCountsMatchServer(t *testing.T) {
	srv, base := demoTarget(t)
	out := filepath.Join(t.TempDir(), "r.json")
	code, stdout, stderr := cli(t, context.Background(), "run", base+"/ok", "-n", "777", "-c", "7", "-o", out)
	if code != exitcode.Passed {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	if got := srv.Requests(); got != 777 {
		t.Errorf("server counted %d, want 777", got)
	}
	rep := readReport(t, out)
	if rep.Summary["requests"] != 777 || rep.StatusCodes["200"] != 777 {
		t.Errorf("report: requests %v, status %v", rep.Summary["requests"], rep.StatusCodes)
	}
	if rep.Schema != report.Schema || rep.Load.Model != "closed" || rep.Load.Concurrency != 7 || !rep.Passed || rep.Interrupted {
		t.Errorf("report header: %+v", rep.Load)
	}
	for _, k := range []string{"throughput", "latency.p50", "latency.p99", "latency.p999", "latency.max", "error_rate", "bytes_in"} {
		if _, ok := rep.Summary[k]; !ok {
			t.Errorf("summary lacks %s", k)
		}
	}
	if !strings.Contains(stdout, "requests     777") {
		t.Errorf("text summary lacks the count:\n%s", stdout)
	}
}

func TestRunOpenModelReport(t *testing.T) {
	srv, base := demoTarget(t)
	out := filepath.Join(t.TempDir(), "r.json")
	code, _, stderr := cli(t, context.Background(), "run", base+"/ok", "-r", "300", "-d", "2s", "--interval", "500ms", "-o", out)
	if code != exitcode.Passed {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	rep := readReport(t, out)
	s := rep.Summary
	if rep.Load.Model != "open" || rep.Load.Rate != 300 {
		t.Errorf("load = %+v", rep.Load)
	}
	if server := float64(srv.Requests()); server < s["requests"] || server > s["requests"]+s["unfinished"] {
		t.Errorf("strain %v + unfinished %v, server %d", s["requests"], s["unfinished"], srv.Requests())
	}
	// The schedule's count is exact on any machine; a pacer that a busy
	// machine wakes late moves requests from completed to dropped, never
	// out of the count.
	if got := s["requests"] + s["unfinished"] + s["dropped"]; got != 600 {
		t.Errorf("requests %v + unfinished %v + dropped %v = %v, want the 600 scheduled", s["requests"], s["unfinished"], s["dropped"], got)
	}
	if _, ok := s["latency_uncorrected.p99"]; !ok {
		t.Error("open model report lacks latency_uncorrected")
	}
	// A busy machine can make the window ticker skip a tick; that window
	// then spans two intervals. The ticker never gives more than a point
	// per interval, plus the last, partial one, and the points must still
	// add up.
	var sum float64
	for _, p := range rep.Series {
		sum += p.Metrics["requests"]
	}
	most := int(rep.DurationSeconds/0.5) + 1
	if n := len(rep.Series); n < 1 || n > most || sum != s["requests"] {
		t.Errorf("%d points for %vs at 500ms (want 1 to %d) summing to %v requests of %v", n, rep.DurationSeconds, most, sum, s["requests"])
	}
	if got := strings.Count(stderr, "req/s"); got != len(rep.Series) {
		t.Errorf("%d progress lines for %d points", got, len(rep.Series))
	}
	if s["rate.max"] != 300 {
		t.Errorf("rate.max = %v", s["rate.max"])
	}
}

func TestBadInputExits2(t *testing.T) {
	dir := t.TempDir()
	badTargets := filepath.Join(dir, "targets.txt")
	os.WriteFile(badTargets, []byte("GET http://127.0.0.1:1/\nAccept: x\n\nFETCH\n"), 0o644)
	_, base := demoTarget(t)
	tests := []struct {
		name string
		args []string
		want string // in the one-line message
	}{
		{"malformed URL", []string{"run", "://nope"}, "malformed URL"},
		{"scheme", []string{"run", "ftp://127.0.0.1/"}, "scheme"},
		{"no URL", []string{"run"}, "no URL"},
		{"unknown flag", []string{"run", "--frobnicate", base}, "unknown flag"},
		{"unknown command", []string{"frobnicate"}, "unknown command"},
		{"bad duration", []string{"run", "-d", "ten", base}, "duration"},
		{"zero duration", []string{"run", "-d", "0s", base}, "duration must be positive"},
		{"zero concurrency", []string{"run", "-c", "0", base}, "at least 1"},
		{"negative rate", []string{"run", "-r", "-5", base}, "rate must be"},
		{"negative requests", []string{"run", "-n", "-1", base}, "must not be negative"},
		{"zero requests", []string{"run", "-n", "0", base}, "-n 0: requests must be at least 1"},
		{"NaN rate", []string{"run", "-r", "NaN", base}, "rate must be"},
		{"infinite rate", []string{"run", "-r", "Inf", base}, "from 0.001"},
		{"vanishing rate", []string{"run", "-r", "1e-300", base}, "from 0.001"},
		{"huge concurrency", []string{"run", "-c", "1000000", base}, "at most 100000"},
		{"port out of range", []string{"run", "http://127.0.0.1:99999/"}, "port 99999"},
		{"ratio gate over 1", []string{"run", "--gate", "error_rate < 5", base}, "ratio from 0 to 1"},
		{"watch interval", []string{"watch", "--interval", "50ms", base}, "interval 50ms: must be at least"},
		{"bad stages", []string{"run", "--stages", "10s", base}, "--stages"},
		{"bad header", []string{"run", "-H", "nocolon", base}, "-H"},
		{"bad ok-status", []string{"run", "--ok-status", "2xx", base}, "--ok-status"},
		{"zero max-body", []string{"run", "--max-body", "0", base}, "--max-body 0: must be positive"},
		{"negative max-body", []string{"run", "--max-body", "-1KiB", base}, "must be positive"},
		{"bad max-body unit", []string{"run", "--max-body", "12XB", base}, "--max-body"},
		{"body twice", []string{"run", "--body", "x", "--body-file", "y", base}, "one or the other"},
		{"unreadable body file", []string{"run", "--body-file", filepath.Join(dir, "missing"), base}, "--body-file"},
		{"missing targets file", []string{"run", "-f", filepath.Join(dir, "missing")}, "targets file"},
		{"malformed targets file", []string{"run", "-f", badTargets}, "line 4"},
		{"unwritable output", []string{"run", "-o", filepath.Join(dir, "no", "such", "dir", "r.json"), base}, "cannot write"},
		{"demo args", []string{"demo", "extra"}, "unknown command"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := cli(t, context.Background(), tt.args...)
			if code != exitcode.Usage {
				t.Errorf("exit %d, want %d; stderr: %s", code, exitcode.Usage, stderr)
			}
			if lines := strings.Count(strings.TrimSpace(stderr), "\n") + 1; lines != 1 || !strings.Contains(stderr, tt.want) {
				t.Errorf("stderr = %q, want one line containing %q", stderr, tt.want)
			}
			if stdout != "" {
				t.Errorf("stdout = %q, want nothing", stdout)
			}
		})
	}
}

func TestUnreachableTargetExits3(t *testing.T) {
	addr := closedAddr(t)
	start := time.Now()
	code, _, stderr := cli(t, context.Background(), "run", "http://"+addr+"/", "-d", "1s")
	if code != exitcode.CannotRun {
		t.Errorf("exit %d, want %d", code, exitcode.CannotRun)
	}
	if !strings.Contains(stderr, addr) || !strings.Contains(stderr, "unreachable") {
		t.Errorf("stderr %q does not name %s", stderr, addr)
	}
	if d := time.Since(start); d > loadgen.DefaultProbeWait+3*time.Second {
		t.Errorf("gave up after %v, want about %v", d, loadgen.DefaultProbeWait)
	}
}

// --http2 against servers that speak HTTP/1.1 alone, over TLS (ALPN) and
// in the clear: the run does not start; one line says why, exit 3.
func TestHTTP2AgainstHTTP1Exits3(t *testing.T) {
	for name, srv := range map[string]*httptest.Server{
		"tls":   httptest.NewTLSServer(http.NotFoundHandler()),
		"clear": httptest.NewServer(http.NotFoundHandler()),
	} {
		t.Run(name, func(t *testing.T) {
			defer srv.Close()
			code, _, stderr := cli(t, context.Background(), "run", srv.URL+"/", "--http2", "--insecure", "-n", "10", "--no-tui")
			addr := strings.TrimPrefix(strings.TrimPrefix(srv.URL, "https://"), "http://")
			if code != exitcode.CannotRun || strings.Count(strings.TrimSpace(stderr), "\n") != 0 ||
				!strings.Contains(stderr, addr+" does not speak HTTP/2") || !strings.Contains(stderr, "without --http2") {
				t.Errorf("exit %d, stderr %q; want %d and one line: %s does not speak HTTP/2", code, stderr, exitcode.CannotRun, addr)
			}
		})
	}
}

func TestInterruptWritesOutputsAndExits130(t *testing.T) {
	_, base := demoTarget(t)
	out := filepath.Join(t.TempDir(), "r.json")
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	code, stdout, stderr := cli(t, ctx, "run", base+"/ok", "-d", "1m", "-c", "4", "-o", out)
	if code != exitcode.Interrupted {
		t.Fatalf("exit %d, want %d; stderr: %s", code, exitcode.Interrupted, stderr)
	}
	rep := readReport(t, out)
	if !rep.Interrupted || rep.Passed || rep.Summary["requests"] == 0 {
		t.Errorf("interrupted %v passed %v requests %v", rep.Interrupted, rep.Passed, rep.Summary["requests"])
	}
	if !strings.Contains(stdout, "(interrupted)") {
		t.Errorf("summary does not say interrupted:\n%s", stdout)
	}
}
