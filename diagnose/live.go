package diagnose

import (
	"slices"

	"github.com/strain-dev/strain/report"
)

// DefaultWindow is how many of a run's last intervals Live judges at each
// new one: two minutes at the default interval, longer than any rule's
// span needs to be seen whole.
const DefaultWindow = 120

// headLen is how many of a run's first intervals Live keeps for the
// baselines: the most a baseline reads (the first, then five).
const headLen = 6

// Live diagnoses a run as it grows, at a cost per interval that does not
// grow with the run: it judges the last Window intervals, with the
// baselines of the run's first ones, and keeps the problems that ended
// before the window as they were last seen. A problem that goes on at the
// window's start keeps the start it was first seen at.
//
// Its findings are the run's so far, for the live view; the report's are
// Diagnose's over the whole run at its end.
type Live struct {
	// Window is how many intervals are judged at each call; zero means
	// DefaultWindow.
	Window int

	last   []report.Finding // the previous call's findings
	closed []report.Finding // problems that ended before the window
}

// Diagnose returns the findings of the run so far, in.Series being the
// whole series: the last window judged anew, the problems before it kept.
func (l *Live) Diagnose(in Input) []report.Finding {
	window := l.Window
	if window <= 0 {
		window = DefaultWindow
	}
	n := len(in.Series)
	if n <= window {
		l.last = Diagnose(in)
		return l.last
	}
	from := n - window
	head := in
	head.Series = in.Series[:min(headLen, from)]
	in.Series = in.Series[from:]
	t := newTimeline(in)
	t.head, t.total = newTimeline(head), n
	got := t.diagnose()
	start, _ := t.span(run{0, 0}) // where the window begins, in seconds since the start
	for i := range got {
		l.continued(&got[i])
	}
	for _, f := range l.last {
		// A problem the window has cut into (or left) and no longer sees
		// whole is kept as it was last seen.
		if f.Severity != report.Info && f.Start < start && !slices.ContainsFunc(got, func(g report.Finding) bool { return same(g, f) && g.Start == f.Start }) {
			l.close(f)
		}
	}
	l.last = got
	out := slices.Concat(l.closed, got)
	sortFindings(out)
	return out
}

// maxClosed is how many ended problems of one kind on one target Live
// keeps: a day of a flapping problem is the last few of it, not
// thousands, so that the cost of a call stays what the window makes it.
const maxClosed = 5

// close keeps f among the ended problems, the latest maxClosed of its
// kind and target.
func (l *Live) close(f report.Finding) {
	l.closed = append(l.closed, f)
	n := 0
	for i := len(l.closed) - 1; i >= 0; i-- {
		if same(l.closed[i], f) {
			if n++; n > maxClosed {
				l.closed = slices.Delete(l.closed, i, i+1)
				break
			}
		}
	}
}

// continued gives f the start and the worst severity of the problem of
// its kind, on its target, that the previous call saw going on where f
// begins: one problem, whose span the window cut, or whose growth it
// measured from a later point than the last window did (the window's
// first point, or past a sample that did not grow), is said once.
func (l *Live) continued(f *report.Finding) {
	for _, p := range l.last {
		if same(p, *f) && p.Start < f.Start && p.End >= f.Start {
			f.Start = p.Start
			if p.Severity.Rank() > f.Severity.Rank() {
				f.Severity = p.Severity
			}
		}
	}
}

// same reports whether two findings are of one kind on one target.
func same(a, b report.Finding) bool { return a.Kind == b.Kind && a.Target == b.Target }
