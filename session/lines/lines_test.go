package lines

import (
	"bytes"
	"errors"
	"io"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/strain-dev/strain/metric"
	"github.com/strain-dev/strain/report"
	"github.com/strain-dev/strain/session"
)

// A progress line has the load's figures and each watched target's, with
// whatever metrics it has; strain's own stay off it.
func TestProgressShowsTargets(t *testing.T) {
	var buf bytes.Buffer
	p := &session.Point{Point: report.Point{T: 2, Metrics: map[string]float64{
		"requests": 100, "throughput": 50, "latency.p50": 0.001, "latency.p99": 0.0042,
		"target[api].goroutines": 12, "target[api].sched_latency.p99": 0.0031,
		"target[db].cpu": 41.6, "target[db].rss": 3 << 20, "self.cpu": 10,
	}}}
	Progress(&buf).Observe(p)
	line := buf.String()
	for _, want := range []string{"50 req/s", "p99   4.20ms", "api goroutines 12 sched_latency.p99 3.10ms", "db cpu 42% rss 3.00 MiB"} {
		if !strings.Contains(line, want) {
			t.Errorf("line lacks %q:\n%s", want, line)
		}
	}
	if strings.Contains(line, "self") || strings.Count(line, "\n") != 1 {
		t.Errorf("want one line without strain's own figures:\n%s", line)
	}
}

// A lone target's line and a bucketed figure: the name it was given, not
// "target", and the range the figure lies in, not a bare estimate.
func TestRuntimeLineNamesALoneTarget(t *testing.T) {
	var buf bytes.Buffer
	p := &session.Point{Point: report.Point{T: 3,
		Metrics: map[string]float64{"target.goroutines": 7, "target.sched_latency.p99": 0.0101},
		Bounds:  map[string]metric.Bounds{"target.sched_latency.p99": {Lo: 0.000918, Hi: 0.0105}},
	}, TargetNames: map[string]string{"target": "sleeper"}}
	Runtimes(&buf).Observe(p)
	if got := buf.String(); !strings.Contains(got, "  sleeper goroutines 7") || !strings.Contains(got, "sched_latency.p99 918µs–10.5ms") {
		t.Errorf("line %q, want sleeper's, its p99 as 918µs–10.5ms", got)
	}
}

// A pipe whose reader has gone ends the run once, and says so; writes
// before then reach the reader.
func TestUntilGone(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	var gone int
	var log strings.Builder
	u := UntilGone(w, func() { gone++ }, &log)
	if _, err := u.Write([]byte("first\n")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 6)
	if _, err := io.ReadFull(r, buf); err != nil || string(buf) != "first\n" {
		t.Fatalf("read %q, %v", buf, err)
	}
	r.Close()
	for range 3 {
		if _, err := u.Write([]byte("more\n")); !errors.Is(err, syscall.EPIPE) {
			t.Fatalf("write after the reader went: %v, want EPIPE", err)
		}
	}
	if gone != 1 || !strings.Contains(log.String(), "closed by its reader") {
		t.Errorf("gone called %d times, log %q; want once, saying why", gone, log.String())
	}
}
