package alert

import (
	"fmt"
	"github.com/strain-dev/strain/metric"
	"os"
	"time"

	"go.yaml.in/yaml/v3"
)

// ruleEntry is one rule in a rules file: a rule string, or a map with the
// rule and its clauses spelled out.
type ruleEntry struct {
	Rule     string   `yaml:"rule"`
	Severity string   `yaml:"severity"`
	For      string   `yaml:"for"`
	Keep     string   `yaml:"keep"`
	Capture  []string `yaml:"capture"`
}

// ReadRules reads a YAML rules file:
//
//	rules:
//	  - target.sched_latency.p99 > 10ms for 5s
//	  - rule: error_rate > 5%
//	    severity: critical
//	    for: 10s
//	    keep: 30s
//	    capture: [cpu, goroutine]
//
// Errors name the file and line.
func ReadRules(path string, cat *metric.Catalogue) ([]*Rule, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read rules: %w", err)
	}
	rules, err := ParseRules(data, cat)
	if err != nil {
		return nil, fmt.Errorf("rules file %s: %w", path, err)
	}
	return rules, nil
}

// ParseRules parses the YAML of a rules file.
func ParseRules(data []byte, cat *metric.Catalogue) ([]*Rule, error) {
	var doc struct {
		Rules []yaml.Node `yaml:"rules"`
	}
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	if len(doc.Rules) == 0 {
		return nil, fmt.Errorf("no rules: want a list under 'rules:'")
	}
	var rules []*Rule
	for _, n := range doc.Rules {
		r, err := parseEntry(&n, cat)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n.Line, err)
		}
		rules = append(rules, r)
	}
	return rules, nil
}

func parseEntry(n *yaml.Node, cat *metric.Catalogue) (*Rule, error) {
	if n.Kind == yaml.ScalarNode {
		return ParseRule(n.Value, cat)
	}
	var e ruleEntry
	if err := n.Decode(&e); err != nil {
		return nil, err
	}
	if e.Rule == "" {
		return nil, fmt.Errorf("an entry without 'rule:'")
	}
	text := e.Rule
	if e.Severity != "" {
		text = e.Severity + ": " + text
	}
	for clause, v := range map[string]string{"for": e.For, "keep": e.Keep} {
		if v != "" {
			if _, err := time.ParseDuration(v); err != nil {
				return nil, fmt.Errorf("%s: %q is not a duration", clause, v)
			}
			text += " " + clause + " " + v
		}
	}
	if e.Capture != nil {
		kinds := "none"
		if len(e.Capture) > 0 {
			kinds = joinComma(e.Capture)
		}
		text += " capture " + kinds
	}
	return ParseRule(text, cat)
}

func joinComma(ss []string) string {
	out := ""
	for i, s := range ss {
		if i > 0 {
			out += ","
		}
		out += s
	}
	return out
}

// Defaults is the built-in rule set (--alerts default), covering the
// pitfalls strain exists to find.
var Defaults = []string{
	// A starved scheduler: goroutines wait to run.
	"target.sched_latency.p99 > 10ms for 5s",
	"crit: target.sched_latency.p99 > 50ms for 5s",
	// Tasks (goroutines, an event loop's tasks) that keep growing: a leak.
	"target.tasks_growth > 20 for 15s capture goroutine",
	// A stall: a request waits on the target and no response completes,
	// so latency says nothing until it ends; where do the handlers wait?
	"oldest_inflight > 2s capture goroutine",
	// Failing requests.
	"error_rate > 1% for 5s",
	"crit: error_rate > 10% for 5s",
	// Memory that keeps growing.
	"target.rss_growth > 4MiB for 20s capture heap",
	// strain itself saturating: its latency figures then include its delay.
	"self.sched_latency.p99 > 10ms for 5s capture none",
}

// DefaultRules parses Defaults.
func DefaultRules(cat *metric.Catalogue) []*Rule {
	var rules []*Rule
	for _, s := range Defaults {
		r, err := ParseRule(s, cat)
		if err != nil {
			panic(fmt.Sprintf("built-in rule %q: %v", s, err)) // a bug in strain, caught by its tests
		}
		rules = append(rules, r)
	}
	return rules
}
