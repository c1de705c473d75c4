package session

import (
	"context"
	"fmt"
	"time"

	"github.com/strain-dev/strain/diagnose"
	"github.com/strain-dev/strain/internal/redact"
	"github.com/strain-dev/strain/metric"
	"github.com/strain-dev/strain/profiles"
	"github.com/strain-dev/strain/report"
)

// diagnosis runs diagnose on the timeline as it grows: each new problem
// is said at once, in the log and to the sinks, and the profile that
// proves it is captured from its target; at the end, the whole run's
// findings, with what those profiles show, go in the report.
type diagnosis struct {
	targets []diagnose.Target
	said    map[string]episode // by kind, target and start, each problem said so far
	evid    *diagnose.Profiles
	live    diagnose.Live    // the last intervals judged at each, at a cost that does not grow with the run
	now     []report.Finding // the findings so far, for the sinks
}

// newDiagnosis readies diagnosis for cfg's run; nil when it is off.
func newDiagnosis(cfg *Config) *diagnosis {
	if cfg.NoDiagnosis {
		return nil
	}
	d := &diagnosis{said: map[string]episode{}, evid: diagnose.NewProfiles(profiles.Read)}
	for _, s := range cfg.Watch {
		scope := metric.OneTarget
		if len(cfg.Watch) > 1 {
			scope = metric.TargetScope(s.Name)
		}
		d.targets = append(d.targets, diagnose.Target{Name: s.Name, Scope: scope})
	}
	return d
}

// input is the run so far as diagnosis sees it.
func (s *Session) diagnoseInput(series []report.Point, runtimes map[string]string) diagnose.Input {
	return diagnose.Input{Series: series, Targets: s.diag.targets, Load: s.eng != nil,
		LoadEnd: s.loadEnd, Saturated: saturated, Errors: s.errors, Runtimes: runtimes}
}

// diagnoseLive looks at the timeline after each point: for each problem
// newly seen, a line and its evidence's capture.
func (s *Session) diagnoseLive(ctx context.Context, rep *report.Report, metrics map[string]float64, w *watcher) {
	d := s.diag
	if d == nil {
		return
	}
	series := rep.Series
	d.now = d.live.Diagnose(s.diagnoseInput(series, w.runtimes))
	s.changeMu.Lock()
	started := s.started // the load's, or the watch's
	s.changeMu.Unlock()
	if started.IsZero() {
		started = rep.Started
	}
	d.evid.Attach(d.now, s.caps.list(), started)
	for _, f := range d.now {
		if f.Severity == report.Info {
			continue
		}
		// One capture an episode, and a line when it is first seen and
		// when it grows worse: a new span of the same kind is a new
		// problem (the capturer's cooldown still holds).
		key := fmt.Sprintf("%s\x00%s\x00%g", f.Kind, f.Target, f.Start)
		ep, ok := d.said[key]
		switch {
		case !ok:
			d.said[key] = episode{at: len(series), worst: f.Severity}
			fmt.Fprintln(s.log, findingLine(f))
			s.evidence(ctx, f, diagnose.Reason(f.Kind), metrics, s.windowsOf(w, started, f))
			continue
		case f.Severity.Rank() > ep.worst.Rank():
			d.said[key] = episode{at: ep.at, worst: f.Severity}
			fmt.Fprintln(s.log, findingLine(f))
		}
		if f.Kind == report.Leak && len(series) == ep.at+leakRecheck {
			// A second dump, for the stacks that grew since the first.
			s.evidence(ctx, f, diagnose.Reason(f.Kind)+"-again", metrics, s.windowsOf(w, started, f))
		}
	}
}

// windowsOf are the trace windows w keeps from the interval before f
// began.
func (s *Session) windowsOf(w *watcher, started time.Time, f report.Finding) windows {
	return w.windows.since(started.Add(secondsOf(f.Start) - s.cfg.interval()))
}

// episode is a problem said: the point it was first said at, and the
// worst severity said of it.
type episode struct {
	at    int
	worst report.Severity
}

// leakRecheck is how many intervals after a leak is first seen its
// target's goroutines are dumped again.
const leakRecheck = 5

// evidence captures what proves f from its target (every watched target
// for a finding of the load's), for as long as ctx, the run's, lasts.
func (s *Session) evidence(ctx context.Context, f report.Finding, reason string, metrics map[string]float64, ws windows) {
	for _, t := range s.diag.targets {
		if f.Target == "" || f.Target == t.Name {
			s.keepWaits(ws, t.Name, f, reason)
		}
		_, tasks := metrics[t.Scope.Of("tasks").String()]
		_, goroutines := metrics[t.Scope.Of("goroutines").String()]
		kinds := diagnose.WantsFor(f.Kind, tasks && !goroutines)
		if len(kinds) > 0 && (f.Target == "" || f.Target == t.Name) {
			s.caps.forTarget(ctx, t.Name, kinds, reason, metrics)
		}
	}
}

// diagnoseFinal puts the whole run's findings in rep, with what the
// profiles captured show, and counts them in its summary for the gates.
func (s *Session) diagnoseFinal(rep *report.Report) {
	if s.diag == nil {
		return
	}
	rep.Findings = diagnose.Diagnose(s.diagnoseInput(rep.Series, rep.TargetRuntimes))
	s.diag.evid.Attach(rep.Findings, rep.Profiles, rep.Started)
	rep.CountFindings()
}

// findingLine is a finding as an event line: "  12.0s  FINDING  critical
// stall: No request completed… Waiting: …", its culprit after its summary.
func findingLine(f report.Finding) string {
	return fmt.Sprintf("%6.1fs  FINDING  %s %s: %s", f.End, f.Severity, f.Kind, redact.Text(f.Sentence()))
}

// cooldown watches the targets for cfg.Cooldown after the load stopped,
// without load, so that diagnosis sees whether they return to their
// baseline. Points go on from the load's clock.
func (s *Session) cooldown(ctx context.Context, rep *report.Report, w *watcher, stop context.CancelCauseFunc) {
	if s.cfg.Cooldown <= 0 || len(s.cfg.Watch) == 0 || ctx.Err() != nil {
		return
	}
	if n := len(rep.Series); n > 0 {
		s.loadEnd = rep.Series[n-1].T
	}
	rep.Load.CooldownSeconds = s.cfg.Cooldown.Seconds()
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Cooldown)
	defer cancel()
	s.watchPoints(ctx, rep.Started, rep, w, stop)
}
