package alert

import (
	"github.com/strain-dev/strain/metric"
	"strings"
	"testing"
	"time"
)

func TestParseRules(t *testing.T) {
	in := `rules:
  - target.sched_latency.p99 > 10ms for 5s
  - rule: error_rate > 5%
    severity: critical
    for: 10s
    keep: 30s
    capture: [cpu]
`
	rules, err := ParseRules([]byte(in), cat)
	if err != nil {
		t.Fatal(err)
	}
	if len(rules) != 2 {
		t.Fatalf("%d rules", len(rules))
	}
	r := rules[1]
	if r.Severity != Critical || r.For != 10*time.Second || r.Keep != 30*time.Second || len(r.Capture) != 1 || r.Threshold != 0.05 {
		t.Errorf("second rule = %+v", r)
	}
}

func TestParseRulesErrorsNameTheLine(t *testing.T) {
	tests := map[string]string{
		"rules:\n  - latency.p99 > 10ms\n  - latency.p99 >> 1s\n": "line 3",
		"rules:\n  - rule: error_rate > 1%\n    for: soon\n":      "line 2",
		"rules: [":                     "yaml",
		"other: 1\n":                   "no rules",
		"rules:\n  - severity: crit\n": "without 'rule:'",
	}
	for in, want := range tests {
		_, err := ParseRules([]byte(in), cat)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseRules(%q) = %v, want %q", in, err, want)
		}
	}
}

func TestDefaultRulesParse(t *testing.T) {
	if got := len(DefaultRules(metric.NewCatalogue())); got != len(Defaults) {
		t.Errorf("%d default rules, want %d", got, len(Defaults))
	}
}

// The help names the grammar and every metric a rule may use.
func TestHelpNamesEveryMetric(t *testing.T) {
	h := Help()
	for _, want := range []string{"[warn:|crit:] METRIC OP VALUE", "error_rate", "sched_latency.p99", "goroutines_growth", "latency.{p50,"} {
		if !strings.Contains(h, want) {
			t.Errorf("help lacks %q:\n%s", want, h)
		}
	}
}
