package alert

import (
	"fmt"
	"github.com/strain-dev/strain/metric"
	"strings"
)

// Gate is a condition a whole run must meet for CI to pass it, read from
// the run's summary: "latency.p99 < 200ms", "target.goroutines.max < 5000".
type Gate struct {
	Cond
	Text string
}

// ParseGate parses a gate, checking its metric in cat (whole-run summaries
// NAME.min|mean|max|last included).
func ParseGate(text string, cat *metric.Catalogue) (*Gate, error) {
	g := &Gate{Text: strings.TrimSpace(text)}
	s := &scanner{in: g.Text}
	var err error
	if g.Cond, err = parseCond(s, cat, true); err != nil {
		return nil, err
	}
	if s.next() {
		return nil, s.errorf("unexpected %q after the threshold", s.word)
	}
	return g, nil
}

// Verdict is a gate's outcome.
type Verdict struct {
	Gate   *Gate
	Value  float64
	NoData bool // the metric never had a value: the gate fails
	Pass   bool
}

// String says what the verdict is, with the value.
func (v Verdict) String() string {
	status := "PASS"
	if !v.Pass {
		status = "FAIL"
	}
	if v.NoData {
		return fmt.Sprintf("%s  %s  (no data)", status, v.Gate.Text)
	}
	return fmt.Sprintf("%s  %s  (%s)", status, v.Gate.Text, metric.Format(v.Gate.Metric, v.Value))
}

// Check judges g on a summary. A metric without a value fails with "no
// data", never a silent pass.
func (g *Gate) Check(summary map[string]float64) Verdict {
	v, ok := summary[g.Metric]
	if !ok {
		return Verdict{Gate: g, NoData: true}
	}
	return Verdict{Gate: g, Value: v, Pass: g.Op.Holds(v, g.Threshold)}
}
