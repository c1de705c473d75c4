package lines

import (
	"bytes"
	"strings"
	"testing"

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
