package alert

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/strain-dev/strain/metric"
	"github.com/strain-dev/strain/report"
)

// DefaultMaxRegression is how far a run may move from its baseline unless
// told otherwise.
const DefaultMaxRegression = "latency.p99=+10%,throughput=-10%"

// Regression is one metric's allowed move from the baseline: at most +Pct%
// (higher is worse) or at most -Pct% (lower is worse).
type Regression struct {
	Metric string
	Pct    float64 // signed: +10 lets the metric rise 10%, -5 lets it fall 5%
}

// Baseline compares a run's summary with a previous report's, metric by
// metric, as gates of kind "regression".
type Baseline struct {
	Summary map[string]float64 // the previous run's
	Limits  []Regression
}

// LoadBaseline reads the report at path and the limits in spec
// ('latency.p99=+10%,throughput=-5%'; DefaultMaxRegression when empty).
func LoadBaseline(path, spec string, cat *metric.Catalogue) (*Baseline, error) {
	if spec == "" {
		spec = DefaultMaxRegression
	}
	limits, err := ParseRegressions(spec, cat)
	if err != nil {
		return nil, err
	}
	rep, err := report.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--baseline %w", err)
	}
	return &Baseline{Summary: rep.Summary, Limits: limits}, nil
}

// ParseRegressions parses 'latency.p99=+10%,throughput=-5%'.
func ParseRegressions(spec string, cat *metric.Catalogue) ([]Regression, error) {
	var out []Regression
	for _, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		name, limit, ok := strings.Cut(part, "=")
		pct, err := strconv.ParseFloat(strings.TrimSuffix(limit, "%"), 64)
		if !ok || err != nil || !strings.HasSuffix(limit, "%") || (limit[0] != '+' && limit[0] != '-') {
			return nil, fmt.Errorf("--max-regression %q: want METRIC=+N%% or METRIC=-N%%", part)
		}
		if _, err := cat.Lookup(name, true); err != nil {
			return nil, fmt.Errorf("--max-regression %q: %w", part, err)
		}
		out = append(out, Regression{Metric: name, Pct: pct})
	}
	return out, nil
}

// Check judges each limit as a gate against the baseline's value.
func (b *Baseline) Check(summary map[string]float64) []report.Gate {
	if b == nil {
		return nil
	}
	var gates []report.Gate
	for _, l := range b.Limits {
		old, okOld := b.Summary[l.Metric]
		cur, okCur := summary[l.Metric]
		bound := old * (1 + l.Pct/100)
		op := "<="
		if l.Pct < 0 {
			op = ">="
		}
		expr := fmt.Sprintf("%s %s %s (baseline %s %+g%%)", l.Metric, op, metric.Format(l.Metric, bound), metric.Format(l.Metric, old), l.Pct)
		g := report.Gate{Expr: expr, Kind: "regression", Value: cur}
		switch {
		case !okOld || !okCur:
			g.Expr, g.Shown, g.NoData = fmt.Sprintf("%s within %+g%% of baseline", l.Metric, l.Pct), "no data", true
		case l.Pct >= 0:
			g.Pass, g.Shown = cur <= bound, metric.Format(l.Metric, cur)
		default:
			g.Pass, g.Shown = cur >= bound, metric.Format(l.Metric, cur)
		}
		gates = append(gates, g)
	}
	return gates
}
