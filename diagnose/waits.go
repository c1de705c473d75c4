package diagnose

import (
	"slices"
	"strings"

	"github.com/google/pprof/profile"
	"github.com/strain-dev/strain/internal/machinery"
	"github.com/strain-dev/strain/report"
)

// Waited reports whether waiting explains a finding of kind: whether
// Waits has something to say for it.
func Waited(kind report.Kind) bool {
	return kind == report.Contention || kind == report.Blocking || kind == report.Stall
}

// Waits is the part of a profile of blocked time by stack (an
// execution-trace window's, whose samples carry a "reason" label) that
// speaks for a finding of kind: the waits on locks for contention; for
// blocking and a stall, every wait but a connection's for its next
// request. nil for a kind that waiting does not explain, or a profile
// without such waits.
func Waits(kind report.Kind, pr *profile.Profile) *profile.Profile {
	var keep func(*profile.Sample) bool
	switch kind {
	case report.Contention:
		// A WaitGroup's Wait parks for the same reason as a lock, but
		// waits for work, not for a holder.
		keep = func(s *profile.Sample) bool {
			return slices.Contains(s.Label["reason"], "sync") && !anyFrame(s, func(fn string) bool { return fn == "sync.(*WaitGroup).Wait" }) && !idle(s)
		}
	case report.Blocking, report.Stall:
		keep = func(s *profile.Sample) bool { return !idle(s) }
	default:
		return nil
	}
	out := pr.Copy()
	out.Sample = slices.DeleteFunc(out.Sample, func(s *profile.Sample) bool { return !keep(s) })
	if len(out.Sample) == 0 {
		return nil
	}
	return out
}

// idle reports whether a sample is a server's connection waiting for its
// next request, the target serving strain, or, where strain runs in the
// process it watches (straintest), strain's own machinery waiting.
func idle(s *profile.Sample) bool {
	return observing(s) || anyFrame(s, func(fn string) bool {
		return machinery.Func(fn) || strings.HasPrefix(fn, "net/http.(*conn).readRequest") ||
			strings.HasPrefix(fn, "net/http.(*connReader)") || strings.HasPrefix(fn, "net/http.(*persistConn)")
	})
}
