package capacity

import (
	"github.com/strain-dev/strain/diagnose"
	"github.com/strain-dev/strain/metric"
	"github.com/strain-dev/strain/report"
)

// explain is what the bounding step's measured part says bound the
// search, beyond what its session's diagnosis found: a target at its CPU
// limit (diagnose.Bound). The session judged the step on its own, at one
// rate, with rules that need a baseline or the scheduler; the search knows
// which check failed.
func (s *Search) explain(bound *step, by *report.Bound) []report.Finding {
	in := diagnose.Input{Series: bound.measured, Targets: s.targets(), Load: true}
	return diagnose.Bound(in, *by)
}

// targets are the watched targets as diagnosis names them: target.X with
// one, target[NAME].X with several, as a session's diagnosis does.
func (s *Search) targets() []diagnose.Target {
	watch := s.cfg.Run.Watch
	var out []diagnose.Target
	for _, w := range watch {
		scope := metric.OneTarget
		if len(watch) > 1 {
			scope = metric.TargetScope(w.Name)
		}
		out = append(out, diagnose.Target{Name: w.Name, Scope: scope})
	}
	return out
}

// measured are a step's measured points, moved onto the search's
// timeline.
func measured(points []report.Point, offset float64) []report.Point {
	out := make([]report.Point, len(points))
	for i, p := range points {
		out[i] = report.Point{T: p.T + offset, Metrics: p.Metrics, Bounds: p.Bounds}
	}
	return out
}
