package diagnose

import (
	"strings"
	"testing"
	"time"

	"github.com/google/pprof/profile"
	"github.com/strain-dev/strain/internal/pproftest"
	"github.com/strain-dev/strain/profiles"
	"github.com/strain-dev/strain/report"
)

// jsProfile is a profile as the Node agent writes one: stacks of
// function@file, root first.
func jsProfile(sampleType string, stacks map[string]int64) *profile.Profile {
	return pproftest.Profile(sampleType, "count", stacks)
}

const resources = "@" + resourcesFile

// Two dumps of a Node service's active resources: what grew is named by
// its type, and counted as tasks, not goroutines.
func TestNodeResourcesThatGrew(t *testing.T) {
	before := jsProfile("goroutine", map[string]int64{"Timeout" + resources: 3, "TCPServerWrap" + resources: 1})
	after := jsProfile("goroutine", map[string]int64{"Timeout" + resources: 503, "TCPServerWrap" + resources: 1, "TCPSocketWrap" + resources: 2})
	sh := grown(before, after)
	if len(sh.top) == 0 || sh.top[0] != "Timeout +500 tasks" {
		t.Errorf("grown = %q (%s), want Timeout +500 tasks first", sh.top, sh.note)
	}
}

// A JavaScript function is the program's own, however its name reads; a
// frame of Node's built-in modules is its library's.
func TestNodeFramesOwnAndLibrary(t *testing.T) {
	frames := []profiles.Frame{
		{Func: "listOnTimeout", File: "node:internal/timers"},
		{Func: "blockTheLoop", File: "/srv/app/faults.js"},
		{Func: "processTimers", File: "node:internal/timers"},
	}
	if got := ownCode(frames); got != "blockTheLoop" {
		t.Errorf("ownCode = %q, want blockTheLoop", got)
	}
	if got := unitsOf(frames[1:]); got != "tasks" {
		t.Errorf("unitsOf = %q, want tasks", got)
	}
	// The flat top of a Node profile is its own; Go's rule for the
	// standard library (no dot in the package) must not put another
	// function before it.
	pr := jsProfile("samples", map[string]int64{
		"blockRoute@/srv/app/faults.js;blockTheLoop@/srv/app/faults.js": 90,
		"writev@node:internal/stream_base_commons":                      10,
	})
	sh := summary(pr, profiles.Blocking)
	if len(sh.top) == 0 || !strings.HasPrefix(sh.top[0], "blockTheLoop ") {
		t.Errorf("summary = %q, want blockTheLoop first", sh.top)
	}
}

// A blocked Node loop's evidence is never its resource dump, which has no
// stacks to say where anything waits; a leak's is.
func TestNodeResourceDumpIsOnlyALeaksEvidence(t *testing.T) {
	dump := jsProfile("goroutine", map[string]int64{"Timeout" + resources: 404})
	read := func(string) (*profile.Profile, error) { return dump, nil }
	started := time.Unix(1000, 0)
	caps := []report.Profile{{Path: "a-goroutine-1.pb.gz", Kind: string(profiles.Goroutine), Time: started.Add(2 * time.Second)}}
	fs := []report.Finding{{Kind: report.Blocking, Start: 1, End: 4}, {Kind: report.Leak, Start: 1, End: 4}}
	NewProfiles(read).Attach(fs, caps, started)
	if fs[0].Culprit != "" || len(fs[0].Evidence) != 0 {
		t.Errorf("blocking: culprit %q, evidence %+v: want none from a resource dump", fs[0].Culprit, fs[0].Evidence)
	}
	if !strings.Contains(fs[1].Culprit, "Timeout") {
		t.Errorf("leak: culprit %q, want Timeout", fs[1].Culprit)
	}
}
