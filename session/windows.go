package session

import (
	"fmt"
	"time"

	"github.com/google/pprof/profile"
	"github.com/strain-dev/strain/diagnose"
	"github.com/strain-dev/strain/internal/redact"
	"github.com/strain-dev/strain/profiles"
	"github.com/strain-dev/strain/report"
)

// maxWindows is how many of a target's latest execution-trace windows a
// run keeps for evidence: a minute of them at the default duty cycle.
const maxWindows = 12

// windows are each watched target's latest execution-trace windows, by
// target name: their blocked time by stack, kept until a finding that
// waiting explains needs them as its evidence.
type windows map[string][]*profile.Profile

// add keeps target's new windows, the latest maxWindows of them.
func (ws windows) add(target string, ps []*profile.Profile) {
	if len(ps) == 0 {
		return
	}
	kept := append(ws[target], ps...)
	ws[target] = kept[max(0, len(kept)-maxWindows):]
}

// since are the windows that began at or after from: those of a
// finding's span, not the minute before it. A window whose start the
// trace did not say (before Go 1.25) is kept.
func (ws windows) since(from time.Time) windows {
	out := windows{}
	for name, ps := range ws {
		for _, p := range ps {
			if p.TimeNanos == 0 || p.TimeNanos >= from.UnixNano() {
				out[name] = append(out[name], p)
			}
		}
	}
	return out
}

// secondsOf is a span's bound, in seconds since the start, as a duration.
func secondsOf(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// keepWaits writes, as a capture of target's for reason, the blocked time
// its latest trace windows show that speaks for f (diagnose.Waits).
func (s *Session) keepWaits(ws windows, target string, f report.Finding, reason string) {
	if s.caps == nil || len(ws[target]) == 0 || !diagnose.Waited(f.Kind) {
		return
	}
	merged, err := profile.Merge(ws[target])
	if err != nil {
		fmt.Fprintf(s.log, "profile  %s block: merge trace windows: %v\n", target, err)
		return
	}
	waits := diagnose.Waits(f.Kind, merged)
	if waits == nil {
		return
	}
	cp, err := s.caps.cap.Keep(target, profiles.Block, reason+"-trace", waits)
	switch {
	case err != nil:
		fmt.Fprintf(s.log, "profile  %s block failed: %s\n", target, redact.Text(err.Error()))
	case cp.Written():
		fmt.Fprintf(s.log, "profile  %s block → %s (trace windows)\n", target, cp.Path)
	case cp.Skipped != "":
		fmt.Fprintf(s.log, "profile  %s block skipped: %s\n", target, cp.Skipped)
	}
}
