package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/strain-dev/strain/alert"
	"github.com/strain-dev/strain/report"
)

// defaultMaxRegression is how far a run may move from its baseline when
// --max-regression is not given.
const defaultMaxRegression = "latency.p99=+10%,throughput=-10%"

// regression is one metric's allowed move from the baseline: at most
// +pct% (higher is worse) or at most -pct% (lower is worse).
type regression struct {
	metric string
	pct    float64 // signed: +10 lets the metric rise 10%, -5 lets it fall 5%
	text   string
}

// baselineCheck compares a run's summary with a previous report's.
type baselineCheck struct {
	path    string
	summary map[string]float64
	limits  []regression
}

func loadBaseline(path, spec string, cat *alert.Catalogue) (*baselineCheck, error) {
	limits, err := parseRegressions(spec, cat)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("--baseline: %w", err)
	}
	defer f.Close()
	rep, err := report.Read(f)
	if err != nil {
		return nil, fmt.Errorf("--baseline %s: %w", path, err)
	}
	return &baselineCheck{path: path, summary: rep.Summary, limits: limits}, nil
}

// parseRegressions parses 'latency.p99=+10%,throughput=-5%'.
func parseRegressions(spec string, cat *alert.Catalogue) ([]regression, error) {
	var out []regression
	for _, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		metric, limit, ok := strings.Cut(part, "=")
		pct, err := strconv.ParseFloat(strings.TrimSuffix(limit, "%"), 64)
		if !ok || err != nil || !strings.HasSuffix(limit, "%") || (limit[0] != '+' && limit[0] != '-') {
			return nil, fmt.Errorf("--max-regression %q: want METRIC=+N%% or METRIC=-N%%", part)
		}
		if _, err := cat.Lookup(metric, true); err != nil {
			return nil, fmt.Errorf("--max-regression %q: %w", part, err)
		}
		out = append(out, regression{metric: metric, pct: pct, text: part})
	}
	return out, nil
}

// check judges each limit as a gate against the baseline's value.
func (b *baselineCheck) check(summary map[string]float64) []report.Gate {
	if b == nil {
		return nil
	}
	var gates []report.Gate
	for _, l := range b.limits {
		old, okOld := b.summary[l.metric]
		cur, okCur := summary[l.metric]
		bound := old * (1 + l.pct/100)
		op := "<="
		if l.pct < 0 {
			op = ">="
		}
		expr := fmt.Sprintf("%s %s %s (baseline %s %+g%%)", l.metric, op, alert.FormatValue(l.metric, bound), alert.FormatValue(l.metric, old), l.pct)
		g := report.Gate{Expr: expr, Kind: "regression", Value: cur}
		switch {
		case !okOld || !okCur:
			g.Expr, g.Shown, g.NoData = fmt.Sprintf("%s within %+g%% of baseline", l.metric, l.pct), "no data", true
		case l.pct >= 0:
			g.Pass, g.Shown = cur <= bound, alert.FormatValue(l.metric, cur)
		default:
			g.Pass, g.Shown = cur >= bound, alert.FormatValue(l.metric, cur)
		}
		gates = append(gates, g)
	}
	return gates
}
