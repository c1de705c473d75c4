package alert

import (
	"fmt"
	"strings"

	"github.com/strain-dev/strain/metric"
	"github.com/strain-dev/strain/report"
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

// Report is the verdict as a report lists it.
func (v Verdict) Report() report.Gate {
	shown := "no data"
	if !v.NoData {
		shown = metric.Format(v.Gate.Metric, v.Value)
	}
	return report.Gate{Expr: v.Gate.Text, Value: v.Value, Shown: shown, NoData: v.NoData, Pass: v.Pass, Kind: "gate"}
}

// Judge judges gates on rep's summary: their verdicts go in its gates,
// and a failed one fails it. A run, a capacity search and a merge judge
// theirs so.
func Judge(rep *report.Report, gates []*Gate) {
	for _, g := range gates {
		v := g.Check(rep.Summary).Report()
		if !v.NoData {
			// Judged on the estimate; shown as the range it lies in
			// where it was read from buckets.
			v.Shown = metric.FormatIn(g.Metric, v.Value, rep.SummaryBounds)
		}
		rep.Gates = append(rep.Gates, v)
		rep.Passed = rep.Passed && v.Pass
	}
}
