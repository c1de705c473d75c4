package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/strain-dev/strain/internal/exitcode"

	"golang.org/x/time/rate"
)

// bucketServer answers 429 past rps requests a second (a token bucket):
// its capacity under "error_rate < 1%" is rps by construction.
func bucketServer(t *testing.T, rps float64) string {
	t.Helper()
	lim := rate.NewLimiter(rate.Limit(rps), int(rps/5))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if !lim.Allow() {
			w.WriteHeader(http.StatusTooManyRequests)
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// quick are a search's flags that keep a test short: coarse, with short
// steps and no pause.
var quick = []string{"--slo", "error_rate < 1%", "--start", "50", "--precision", "20%", "--step", "1s", "--warmup", "1s", "--pause", "0", "--no-tui"}

// TestCapacityThroughTheBinary searches a 200 req/s token bucket: the
// capacity is found within the precision, the error rate bound it, every
// output says so, and a gate on the capacity decides the exit code.
func TestCapacityThroughTheBinary(t *testing.T) {
	url := bucketServer(t, 200)
	dir := t.TempDir()
	outs := ciOutputs(dir)
	args := withOutputs(append([]string{"capacity", url, "--gate", "capacity >= 100"}, quick...), outs)
	code, stdout, stderr := cli(t, context.Background(), args...)
	if code != exitcode.Passed {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	rep := readReport(t, outs["-o"])
	if c := *rep.Capacity; c > 200 || c < 200/1.2 || rep.BoundBy == nil || rep.BoundBy.Metric != "error_rate" {
		t.Errorf("capacity %g bound by %+v; want within 20%% below 200, by error_rate", c, rep.BoundBy)
	}
	for flag, want := range map[string]string{"--markdown": "**Capacity: ", "--html": "latency against rate", "--junit": "strain.capacity"} {
		b, err := os.ReadFile(outs[flag])
		if err != nil || !strings.Contains(string(b), want) {
			t.Errorf("%s lacks %q (%v)", flag, want, err)
		}
	}
	for _, want := range []string{"capacity search", "bound by     error_rate < 1%", "PASS  capacity >= 100"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("summary lacks %q:\n%s", want, stdout)
		}
	}
	if !strings.Contains(stderr, "capacity: trying 50 req/s") {
		t.Errorf("the log lacks the steps:\n%s", stderr)
	}
	if code, again, stderr := cli(t, context.Background(), "report", outs["-o"]); code != exitcode.Passed || again != stdout {
		t.Errorf("strain report of the search: exit %d (%s), text:\n%s\nthe search's:\n%s", code, stderr, again, stdout)
	}
}

// A gate the capacity misses fails the search: exit 1.
func TestCapacityGateFails(t *testing.T) {
	url := bucketServer(t, 1000)
	out := filepath.Join(t.TempDir(), "r.json")
	code, stdout, _ := cli(t, context.Background(), append([]string{"capacity", url, "--ceiling", "100", "--gate", "capacity >= 500", "-o", out}, quick...)...)
	if code != exitcode.GateFailed {
		t.Fatalf("exit %d, want %d\n%s", code, exitcode.GateFailed, stdout)
	}
	rep := readReport(t, out)
	if *rep.Capacity != 100 || rep.Search.Outcome != "ceiling" || rep.Passed {
		t.Errorf("capacity %g outcome %q passed %v; want 100 at the ceiling, failed", *rep.Capacity, rep.Search.Outcome, rep.Passed)
	}
	for _, st := range rep.Steps {
		if st.Rate > 100 {
			t.Errorf("a step at %g, above the ceiling", st.Rate)
		}
	}
}

func TestCapacityUsage(t *testing.T) {
	url := bucketServer(t, 1000)
	for name, args := range map[string][]string{
		"no SLO":        {"capacity", url},
		"a rate":        {"capacity", url, "--slo", "latency.p99 < 50ms", "-r", "100"},
		"a duration":    {"capacity", url, "--slo", "latency.p99 < 50ms", "-d", "5s"},
		"precision":     {"capacity", url, "--slo", "latency.p99 < 50ms", "--precision", "150%"},
		"unknown SLO":   {"capacity", url, "--slo", "latency.p98 < 50ms"},
		"ceiling":       {"capacity", url, "--slo", "latency.p99 < 50ms", "--ceiling", "10"},
		"budget":        {"capacity", url, "--slo", "latency.p99 < 50ms", "--max-time", "2s"},
		"gate on a run": {"run", url, "--gate", "capacity > 1"},
	} {
		code, _, stderr := cli(t, context.Background(), args...)
		if code != exitcode.Usage || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%s: exit %d, want %d with one line:\n%s", name, code, exitcode.Usage, stderr)
		}
	}
	if code, _, stderr := cli(t, context.Background(), "capacity", "http://"+closedAddr(t), "--slo", "latency.p99 < 50ms"); code != exitcode.CannotRun {
		t.Errorf("unreachable: exit %d, want %d\n%s", code, exitcode.CannotRun, stderr)
	}
}

// An interrupt mid-search writes every output with what was found so
// far, marked interrupted: exit 130.
func TestCapacityInterrupted(t *testing.T) {
	url := bucketServer(t, 100_000)
	dir := t.TempDir()
	outs := ciOutputs(dir)
	p := startStrain(t, withOutputs(append([]string{"capacity", url}, quick...), outs)...)
	p.waitFor(t, "held", 20*time.Second)
	p.cmd.Process.Signal(syscall.SIGINT)
	if got := p.exit(t, 10*time.Second); got != exitcode.Interrupted {
		t.Fatalf("exit %d, want %d\n%s", got, exitcode.Interrupted, p.stderr.String())
	}
	for flag, path := range outs {
		checkOutput(t, flag, path, false)
	}
	rep := readReport(t, outs["-o"])
	if rep.Search.Outcome != "interrupted" || *rep.Capacity < 50 || len(rep.Steps) == 0 {
		t.Errorf("outcome %q capacity %g steps %d", rep.Search.Outcome, *rep.Capacity, len(rep.Steps))
	}
}
