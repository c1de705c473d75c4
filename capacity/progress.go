package capacity

import (
	"fmt"
	"maps"
	"slices"

	"github.com/strain-dev/strain/report"
)

// Progress is a search as it stands, for a live view (the dashboard's
// panel): the steps judged so far, where the capacity lies, and the step
// running now.
type Progress struct {
	Steps   []report.Step // judged (or cut short) so far, in order
	Held    float64       // the highest rate that held, 0 for none yet
	Failed  float64       // the lowest rate that failed above Held, 0 for none yet
	Running float64       // the rate of the step running now, 0 between steps
}

// Progress is the search as it stands now; safe to call from any
// goroutine while it runs.
func (s *Search) Progress() Progress {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.progress
	p.Steps = slices.Clone(p.Steps)
	return p
}

// recordStep adds a step to the progress, with the bracket after it.
func (s *Search) recordStep(st *step, b *bracket) {
	s.mu.Lock()
	defer s.mu.Unlock()
	shown := st.Step
	shown.Summary = maps.Clone(st.Summary) // the report's own goes on being read
	shown.SLOs = slices.Clone(st.SLOs)
	s.progress.Steps = append(s.progress.Steps, shown)
	s.progress.Held, s.progress.Failed = b.lo, b.hi
}

// Verdict is how a step was judged, in a few words: "held", the first
// check it failed ("FAILED latency.p99 < 50ms (88.0ms)"), or why it was
// not judged.
func Verdict(st *report.Step) string {
	for _, g := range st.SLOs {
		if !g.Pass {
			return fmt.Sprintf("FAILED %s (%s)", g.Expr, g.Shown)
		}
	}
	if !st.Pass && st.Note != "" {
		return st.Note
	}
	return "held"
}
