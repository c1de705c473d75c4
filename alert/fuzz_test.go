package alert

import (
	"testing"

	"github.com/strain-dev/strain/metric"
)

// FuzzParse feeds the rule and gate parsers anything: they must return a
// rule or an error, never panic, and a rule they accept must print back.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"target.sched_latency.p99 > 10ms for 5s",
		"crit: error_rate > 5% keep 10s capture cpu,goroutine",
		"target[api].rss >= 1.5GiB for 1m",
		"latency.p99 < 200ms",
		"throughput > 1e3",
		"self.cpu > 90%",
		"warn: target.goroutines > 10k capture none",
	} {
		f.Add(seed)
	}
	c := metric.NewCatalogue()
	f.Fuzz(func(t *testing.T, s string) {
		if r, err := ParseRule(s, c); err == nil && r.Metric == "" {
			t.Errorf("ParseRule(%q) accepted a rule without a metric", s)
		}
		if g, err := ParseGate(s, c); err == nil {
			g.Check(map[string]float64{g.Metric: 1})
		}
	})
}
