package capacity

import (
	"context"
	"fmt"
	"maps"
	"runtime"
	"slices"
	"time"

	"github.com/strain-dev/strain/alert"
	"github.com/strain-dev/strain/internal/redact"
	"github.com/strain-dev/strain/metric"
	"github.com/strain-dev/strain/report"
	"github.com/strain-dev/strain/session"
)

// assemble puts the search's report together from its steps.
func (s *Search) assemble(ctx context.Context, steps []*step, b *bracket, outcome string, began time.Time) *report.Report {
	rep := report.New()
	rep.Started, rep.DurationSeconds = began, time.Since(began).Seconds()
	rep.Interrupted = outcome == report.OutcomeInterrupted
	rep.Load = s.load(steps)
	rep.Search = s.searchOf(b, outcome)
	at, bound := s.atCapacity(steps, b), s.bounding(steps, b)
	if bound != nil {
		rep.BoundBy = boundOf(bound, at)
		if rep.BoundBy != nil {
			for _, f := range s.explain(bound, rep.BoundBy) {
				// The step's own diagnosis may have said it already.
				if !slices.ContainsFunc(bound.Findings, func(g report.Finding) bool { return g.Kind == f.Kind && g.Target == f.Target }) {
					bound.Findings = append(bound.Findings, f)
				}
			}
		}
	}
	for _, st := range steps {
		rep.Steps = append(rep.Steps, st.Step)
		rep.Search.Unfinished += int64(st.rep.Summary["unfinished"])
		addStep(rep, st)
	}
	capacity := b.lo
	rep.Capacity = &capacity
	seen := map[string]bool{}
	if at != nil {
		maps.Copy(rep.Summary, at.Summary)
		rep.SummaryBounds = maps.Clone(at.rep.SummaryBounds)
		rep.Warnings = append(rep.Warnings, prefixed(at, seen)...)
	}
	rep.Summary["capacity"] = capacity
	if bound != nil {
		rep.Findings = append(rep.Findings, bound.Findings...)
		rep.Warnings = append(rep.Warnings, prefixed(bound, seen)...)
		rep.CountFindings() // the bounding step's, as the findings are
	}
	rep.Warnings = append(rep.Warnings, s.warnings(steps, outcome, b)...)
	rep.Passed = !rep.Interrupted
	alert.Judge(rep, s.cfg.Gates)
	for _, sink := range s.cfg.Run.Sinks {
		if f, ok := sink.(session.Finisher); ok {
			f.Finish(ctx, rep)
		}
	}
	return rep
}

// load is how the search applied its load: the open model, capped as the
// steps were (the engine's default cap when not given).
func (s *Search) load(steps []*step) report.Load {
	l := s.cfg.Run.Load
	load := report.Load{Model: "open", Concurrency: l.Concurrency, Procs: runtime.GOMAXPROCS(0)}
	if len(steps) > 0 {
		load.Concurrency = steps[0].rep.Load.Concurrency
	}
	for _, t := range l.Targets {
		load.Targets = append(load.Targets, t.Method+" "+redact.URL(t.URL))
	}
	return load
}

func (s *Search) searchOf(b *bracket, outcome string) *report.Search {
	sr := &report.Search{Start: s.cfg.Start, Ceiling: s.cfg.Ceiling, Precision: s.cfg.Precision,
		StepSeconds: s.cfg.Step.Seconds(), WarmupSeconds: s.cfg.Warmup.Seconds(), PauseSeconds: s.cfg.Pause.Seconds(),
		MaxTimeSeconds: s.cfg.MaxTime.Seconds(), Outcome: outcome, Range: [2]float64{b.lo, b.hi}}
	for _, g := range s.cfg.SLOs {
		sr.SLOs = append(sr.SLOs, g.Text)
	}
	return sr
}

// addStep puts a step's series, alerts, profiles, counts and runtimes
// into the search's report, on its timeline.
func addStep(rep *report.Report, st *step) {
	for _, p := range st.rep.Series {
		rep.Series = append(rep.Series, report.Point{T: p.T + st.offset, Metrics: p.Metrics, Bounds: p.Bounds})
	}
	for _, a := range st.rep.Alerts {
		a.T += st.offset
		rep.Alerts = append(rep.Alerts, a)
	}
	rep.Profiles = append(rep.Profiles, st.rep.Profiles...)
	for k, n := range st.rep.StatusCodes {
		rep.StatusCodes[k] += n
	}
	for k, n := range st.rep.ErrorsByKind {
		rep.ErrorsByKind[k] += n
	}
	if len(st.rep.TargetRuntimes) > 0 {
		if rep.TargetRuntimes == nil {
			rep.TargetRuntimes = map[string]string{}
		}
		maps.Copy(rep.TargetRuntimes, st.rep.TargetRuntimes)
	}
	if len(st.rep.TargetNames) > 0 {
		if rep.TargetNames == nil {
			rep.TargetNames = map[string]string{}
		}
		maps.Copy(rep.TargetNames, st.rep.TargetNames)
	}
}

// atCapacity is the step at the capacity found: the highest rate that
// passed.
func (s *Search) atCapacity(steps []*step, b *bracket) *step {
	return find(steps, func(st *step) bool { return st.Pass && st.Rate == b.lo })
}

// bounding is the step that bound the capacity: the lowest rate that
// failed.
func (s *Search) bounding(steps []*step, b *bracket) *step {
	return find(steps, func(st *step) bool { return !st.Pass && st.Rate == b.hi && b.hi > 0 })
}

func find(steps []*step, ok func(*step) bool) *step {
	for i := len(steps) - 1; i >= 0; i-- {
		if st := steps[i]; !st.cut && ok(st) {
			return st
		}
	}
	return nil
}

// boundOf says what bound the capacity: of the checks failed at the
// bounding step, the one furthest past its threshold, with its value at
// the capacity step when there is one.
func boundOf(bound, at *step) *report.Bound {
	var best *report.Bound
	view := judged(bound.Summary)
	for _, g := range bound.checks {
		v := g.Check(view)
		if v.Pass || v.NoData {
			continue
		}
		b := &report.Bound{SLO: g.Text, Metric: g.Metric, Rate: bound.Rate, Value: v.Value,
			Shown: metric.Format(g.Metric, v.Value), Threshold: g.Threshold, Excess: excess(g, v.Value)}
		if at != nil {
			if av, ok := judged(at.Summary)[g.Metric]; ok {
				b.AtCapacity, b.AtCapacityShown = av, metric.Format(g.Metric, av)
			}
		}
		if best == nil || b.Excess > best.Excess {
			best = b
		}
	}
	return best
}

// excess is how far v is past g's threshold, as a ratio of it.
func excess(g *alert.Gate, v float64) float64 {
	if g.Threshold == 0 {
		return 0
	}
	switch g.Op {
	case alert.Less, alert.LessEqual:
		return v/g.Threshold - 1
	case alert.Greater, alert.GreaterEqual:
		return 1 - v/g.Threshold
	}
	return 0
}

// prefixed are a step's warnings not seen before, each saying at which
// rate.
func prefixed(st *step, seen map[string]bool) []string {
	var out []string
	for _, w := range st.rep.Warnings {
		if !seen[w] {
			seen[w] = true
			out = append(out, fmt.Sprintf("at %s: %s", metric.FormatPerSecond(st.Rate), w))
		}
	}
	return out
}

// warnings are the search's own: how it ended, when not with the answer
// to the precision asked, and SLOs that let errors pass.
func (s *Search) warnings(steps []*step, outcome string, b *bracket) []string {
	var ws []string
	switch outcome {
	case report.OutcomeCeiling:
		ws = append(ws, fmt.Sprintf("every SLO held at the ceiling, %s: the capacity is at least that", metric.FormatPerSecond(s.cfg.Ceiling)))
	case report.OutcomeNone:
		ws = append(ws, fmt.Sprintf("no rate down to %s met the SLOs", metric.FormatPerSecond(b.hi)))
	case report.OutcomeBudget, report.OutcomeInterrupted, report.OutcomeTargetLost, report.OutcomeGenerator:
		ws = append(ws, fmt.Sprintf("the search ended before its precision (%s): %s", outcome, rangeText(b)))
	}
	if !slices.ContainsFunc(s.cfg.SLOs, func(g *alert.Gate) bool { return g.Metric == "error_rate" || g.Metric == "errors" }) {
		for _, st := range steps {
			if st.Pass && st.Summary["error_rate"] > 0.01 {
				ws = append(ws, fmt.Sprintf("no SLO judges errors, and %s of requests failed at %s, which passed: add --slo 'error_rate < 1%%'?",
					metric.FormatUnit(metric.Ratio, st.Summary["error_rate"]), metric.FormatPerSecond(st.Rate)))
				break
			}
		}
	}
	return ws
}

// rangeText says where the capacity lies as far as the search got.
func rangeText(b *bracket) string {
	switch {
	case b.lo == 0 && b.hi == 0:
		return "no step was judged"
	case b.hi == 0:
		return fmt.Sprintf("the capacity is at least %s", metric.FormatPerSecond(b.lo))
	case b.lo == 0:
		return fmt.Sprintf("the capacity is below %s", metric.FormatPerSecond(b.hi))
	}
	return fmt.Sprintf("the capacity is between %s and %s", metric.FormatPerSecond(b.lo), metric.FormatPerSecond(b.hi))
}
