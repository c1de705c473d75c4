package alert

import (
	"fmt"
	"github.com/strain-dev/strain/metric"
	"github.com/strain-dev/strain/profiles"
	"strings"
	"time"
)

// Severity is how bad a firing rule is.
type Severity string

// The severities.
const (
	Warning  Severity = "warning"
	Critical Severity = "critical"
)

// Rule is an alert rule: a condition that must hold For a while before the
// rule fires, and stays firing Keep after it clears.
type Rule struct {
	Cond
	Severity Severity
	For      time.Duration   // the condition must hold this long to fire
	Keep     time.Duration   // a firing rule resolves only after clearing for this long
	Capture  []profiles.Kind // profile kinds to capture when it fires
	Text     string          // the rule as written
}

// String writes the rule as it was given.
func (r *Rule) String() string { return r.Text }

// DefaultCriticalCapture is what a critical rule captures unless it says.
var DefaultCriticalCapture = []profiles.Kind{profiles.CPU, profiles.Goroutine}

// ParseRule parses a rule, checking its metric in cat.
func ParseRule(text string, cat *metric.Catalogue) (*Rule, error) {
	r := &Rule{Severity: Warning, Text: strings.TrimSpace(text)}
	s := &scanner{in: r.Text}
	rest := r.Text
	if sev, after, ok := strings.Cut(rest, ":"); ok && !strings.ContainsAny(sev, " .[") {
		switch strings.ToLower(sev) {
		case "warn", "warning":
			r.Severity = Warning
		case "crit", "critical":
			r.Severity = Critical
		default:
			return nil, &ParseError{Input: r.Text, Col: 1, Msg: fmt.Sprintf("severity %q: want warn or crit", sev)}
		}
		s.pos = len(r.Text) - len(after)
	}
	var err error
	if r.Cond, err = parseCond(s, cat, false); err != nil {
		return nil, err
	}
	if err := r.parseClauses(s); err != nil {
		return nil, err
	}
	if r.Severity == Critical && r.Capture == nil {
		r.Capture = DefaultCriticalCapture
	}
	return r, nil
}

// parseClauses reads the optional "for D", "keep D" and "capture K,K".
func (r *Rule) parseClauses(s *scanner) error {
	seen := map[string]bool{}
	for s.next() {
		clause := s.word
		if seen[clause] {
			return s.errorf("%q given twice", clause)
		}
		seen[clause] = true
		switch clause {
		case "for", "keep":
			if !s.next() {
				return s.errorf("want a duration after %s", clause)
			}
			d, err := time.ParseDuration(s.word)
			if err != nil || d < 0 {
				return s.errorf("%q is not a duration", s.word)
			}
			if clause == "for" {
				r.For = d
			} else {
				r.Keep = d
			}
		case "capture":
			if !s.next() {
				return s.errorf("want profile kinds after capture, e.g. cpu,goroutine")
			}
			kinds, err := parseKinds(s.word)
			if err != nil {
				return s.errorf("%v", err)
			}
			r.Capture = kinds
		default:
			return s.errorf("%q: want for, keep or capture", clause)
		}
	}
	return nil
}

// parseKinds reads "cpu,goroutine", or "none": not even a critical rule's
// default capture.
func parseKinds(s string) ([]profiles.Kind, error) {
	kinds := []profiles.Kind{}
	for _, k := range strings.Split(s, ",") {
		if k == "none" {
			continue
		}
		kind, err := profiles.ParseKind(k)
		if err != nil {
			return nil, fmt.Errorf("%v, or none", err)
		}
		kinds = append(kinds, kind)
	}
	return kinds, nil
}
