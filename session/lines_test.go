package session

import (
	"bytes"
	"strings"
	"testing"

	"github.com/strain-dev/strain/report"
)

// A progress line has the load's figures and each watched target's, with
// whatever metrics it has; strain's own stay off it.
func TestProgressShowsTargets(t *testing.T) {
	var buf bytes.Buffer
	p := &Point{Point: report.Point{T: 2, Metrics: map[string]float64{
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

// A finding's line says its culprit after its summary, as the text
// report does.
func TestFindingLineNamesCulprit(t *testing.T) {
	f := report.Finding{Kind: report.Stall, Severity: report.Critical, End: 12,
		Summary: "No request completed from 9.00s to 12.0s.", Culprit: "Waiting: main.wait."}
	want := "  12.0s  FINDING  critical stall: No request completed from 9.00s to 12.0s. Waiting: main.wait."
	if got := FindingLine(f); got != want {
		t.Errorf("FindingLine = %q, want %q", got, want)
	}
	f.Culprit = ""
	if got := FindingLine(f); strings.HasSuffix(got, " ") {
		t.Errorf("FindingLine without a culprit = %q", got)
	}
}
