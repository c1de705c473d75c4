// Package alert evaluates rules over metric snapshots, the way Prometheus
// does alert rules (inactive → pending → firing → resolved, with a sustain
// window and a hold against flapping), and gates over a whole run's
// summary for a CI verdict. Rules and gates share one expression language:
//
//	[warn:|crit:] METRIC OP VALUE[UNIT] [for DURATION] [keep DURATION] [capture KIND,...]
//
// e.g. "crit: target.sched_latency.p99 > 10ms for 5s capture cpu,goroutine"
// or, as a gate, "latency.p99 < 200ms". Evaluation is a pure function of
// the rules, the snapshot and the time passed in.
package alert

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/strain-dev/strain/metric"
)

// Op compares a metric with a threshold.
type Op string

// The comparisons.
const (
	Greater      Op = ">"
	GreaterEqual Op = ">="
	Less         Op = "<"
	LessEqual    Op = "<="
	Equal        Op = "=="
	NotEqual     Op = "!="
)

// Holds reports whether "v op threshold" is true.
func (o Op) Holds(v, threshold float64) bool {
	switch o {
	case Greater:
		return v > threshold
	case GreaterEqual:
		return v >= threshold
	case Less:
		return v < threshold
	case LessEqual:
		return v <= threshold
	case Equal:
		return v == threshold
	case NotEqual:
		return v != threshold
	}
	return false
}

// Cond is "METRIC OP THRESHOLD", the heart of a rule or a gate.
type Cond struct {
	Metric    string
	Op        Op
	Threshold float64 // in the metric's own unit (seconds, bytes, 0–1…)
	Text      string  // the threshold as written, e.g. "200ms"
}

// String writes the condition as it was given.
func (c Cond) String() string { return fmt.Sprintf("%s %s %s", c.Metric, c.Op, c.Text) }

// ParseError is a malformed rule or gate, with the column (from 1) where
// the trouble starts.
type ParseError struct {
	Input string
	Col   int
	Msg   string
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("%q at column %d: %s", e.Input, e.Col, e.Msg)
}

// scanner splits an expression into words, remembering where each starts.
// A comparison is a word of its own, with or without spaces around it:
// "latency.p99<10ms" reads as "latency.p99 < 10ms".
type scanner struct {
	in   string
	pos  int
	word string
	at   int
}

func (s *scanner) next() bool {
	for s.pos < len(s.in) && s.in[s.pos] == ' ' {
		s.pos++
	}
	if s.pos >= len(s.in) {
		s.word, s.at = "", s.pos
		return false
	}
	s.at = s.pos
	cmp := isCompare(s.in[s.pos])
	for s.pos < len(s.in) && s.in[s.pos] != ' ' && isCompare(s.in[s.pos]) == cmp {
		s.pos++
	}
	s.word = s.in[s.at:s.pos]
	return true
}

// isCompare says whether c is part of a comparison: < > = !
func isCompare(c byte) bool { return strings.IndexByte("<>=!", c) >= 0 }

func (s *scanner) errorf(format string, args ...any) error {
	return &ParseError{Input: s.in, Col: s.at + 1, Msg: fmt.Sprintf(format, args...)}
}

// parseCond reads "METRIC OP VALUE" from s, checking the metric in cat and
// the threshold's unit against the metric's.
func parseCond(s *scanner, cat *metric.Catalogue, summaries bool) (Cond, error) {
	var c Cond
	if !s.next() {
		return c, s.errorf("want a metric name")
	}
	c.Metric = s.word
	if !isMetricName(c.Metric) {
		return c, s.errorf("%q is not a metric name", c.Metric)
	}
	metricAt := s.at
	unit, err := cat.Lookup(c.Metric, summaries)
	if err != nil {
		return c, &ParseError{Input: s.in, Col: metricAt + 1, Msg: err.Error()}
	}
	if !s.next() {
		return c, s.errorf("want a comparison (> >= < <= == !=) after %s", c.Metric)
	}
	switch op := Op(s.word); op {
	case Greater, GreaterEqual, Less, LessEqual, Equal, NotEqual:
		c.Op = op
	default:
		return c, s.errorf("%q is not a comparison (> >= < <= == !=)", s.word)
	}
	if !s.next() {
		return c, s.errorf("want a threshold after %s", c.Op)
	}
	c.Text = s.word
	if c.Threshold, err = parseValue(s.word, unit); err != nil {
		return c, s.errorf("threshold %q: %v", s.word, err)
	}
	if unit == metric.Ratio && !strings.HasSuffix(s.word, "%") && (c.Threshold < 0 || c.Threshold > 1) {
		return c, s.errorf("threshold %q: %s is a ratio from 0 to 1: write %s%% or %g", s.word, c.Metric, s.word, c.Threshold/100)
	}
	return c, nil
}

func isMetricName(s string) bool {
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !strings.ContainsRune("_.[]:-", r) {
			return false
		}
	}
	return s != "" && unicode.IsLetter(rune(s[0]))
}

// units and what they multiply by, with the metric units they suit.
var units = []struct {
	suffix string
	mult   float64
	suits  []metric.Unit
}{
	{"ns", 1e-9, []metric.Unit{metric.Seconds}}, {"µs", 1e-6, []metric.Unit{metric.Seconds}}, {"us", 1e-6, []metric.Unit{metric.Seconds}},
	{"ms", 1e-3, []metric.Unit{metric.Seconds}}, {"s", 1, []metric.Unit{metric.Seconds}}, {"m", 60, []metric.Unit{metric.Seconds}}, {"h", 3600, []metric.Unit{metric.Seconds}},
	{"KiB", 1 << 10, []metric.Unit{metric.Bytes, metric.Rate}}, {"MiB", 1 << 20, []metric.Unit{metric.Bytes, metric.Rate}}, {"GiB", 1 << 30, []metric.Unit{metric.Bytes, metric.Rate}},
	{"k", 1e3, []metric.Unit{metric.Count, metric.Rate, metric.Bytes, metric.Unknown}}, {"M", 1e6, []metric.Unit{metric.Count, metric.Rate, metric.Bytes, metric.Unknown}},
	{"%", 0, []metric.Unit{metric.Ratio, metric.Percent}},
}

// parseValue reads a number with an optional unit into the metric's own
// unit: seconds, bytes, a 0–1 ratio, or percent.
func parseValue(s string, unit metric.Unit) (float64, error) {
	num, suffix := splitNumber(s)
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || num == "" {
		return 0, fmt.Errorf("not a number")
	}
	if suffix == "" {
		return v, nil
	}
	for _, u := range units {
		if u.suffix != suffix {
			continue
		}
		if !slices.Contains(u.suits, unit) {
			return 0, fmt.Errorf("unit %s does not suit a metric measured in %s", suffix, unit)
		}
		switch {
		case suffix == "%" && unit == metric.Ratio:
			return v / 100, nil
		case suffix == "%":
			return v, nil
		}
		return v * u.mult, nil
	}
	return 0, fmt.Errorf("unknown unit %q (ns µs us ms s m h, KiB MiB GiB, k M, %%)", suffix)
}

func splitNumber(s string) (num, suffix string) {
	i := 0
	for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.' || s[i] == '-' || s[i] == '+' || (s[i] == 'e' && i+1 < len(s) && (s[i+1] >= '0' && s[i+1] <= '9' || s[i+1] == '-'))) {
		i++
	}
	return s[:i], s[i:]
}
