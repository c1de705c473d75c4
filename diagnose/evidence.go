package diagnose

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/pprof/profile"
	"github.com/strain-dev/strain/profiles"
	"github.com/strain-dev/strain/report"
)

// WantsFor is Wants for a target that is an event loop or not: a blocked
// loop's evidence is also its agent's watchdog samples; an agent (Python's,
// Node's) serves no allocation or mutex profile, so GC pressure asks for
// its heap view and contention for its task dump.
func WantsFor(kind report.Kind, eventLoop bool) []profiles.Kind {
	if !eventLoop {
		return Wants(kind)
	}
	switch kind {
	case report.Blocking:
		return []profiles.Kind{profiles.Blocking, profiles.Goroutine}
	case report.GCPressure:
		return []profiles.Kind{profiles.Heap}
	case report.Contention:
		return []profiles.Kind{profiles.Goroutine}
	}
	return Wants(kind)
}

// Wants is what to capture from a target as the evidence for a finding of
// kind: the CPU profile shows what burns the cores, the goroutine dump
// where requests wait or what leaked, and so on.
func Wants(kind report.Kind) []profiles.Kind {
	switch kind {
	case report.Starvation:
		return []profiles.Kind{profiles.CPU}
	case report.Blocking, report.Stall, report.Leak:
		return []profiles.Kind{profiles.Goroutine}
	case report.Contention:
		return []profiles.Kind{profiles.Mutex, profiles.Goroutine}
	case report.MemoryGrowth:
		return []profiles.Kind{profiles.Heap}
	case report.GCPressure:
		return []profiles.Kind{profiles.Allocs}
	}
	return nil
}

// evidenceKinds are the captures that speak for a finding of kind, in the
// order its evidence lists them: what Wants captures for it, and the
// blocked time by stack that execution-trace windows gave (Waits), which
// names a lock or a wait where the mutex profile is off.
func evidenceKinds(kind report.Kind) []profiles.Kind {
	switch ks := WantsFor(kind, true); kind {
	case report.Contention: // the lock's holders, then its waiters
		return []profiles.Kind{profiles.Mutex, profiles.Block, profiles.Goroutine}
	case report.Blocking, report.Stall:
		return append(slices.Clone(ks), profiles.Block)
	default:
		return ks
	}
}

// Reason is the reason of a capture diagnosis asked for, for kind.
func Reason(kind report.Kind) string { return "diagnose-" + string(kind) }

// after is how long after a finding's span a capture still speaks for it:
// a CPU profile asked for in the span lands its duration later.
const after = 15 * time.Second

// topN is how many functions or stacks a profile's evidence lists.
const topN = 5

// Profiles reads captured profiles for evidence, each file once.
type Profiles struct {
	read  func(path string) (*profile.Profile, error)
	cache map[string]*profile.Profile
	fail  map[string]error
}

// NewProfiles reads profiles with read (profiles.Read, which bounds them).
func NewProfiles(read func(string) (*profile.Profile, error)) *Profiles {
	return &Profiles{read: read, cache: map[string]*profile.Profile{}, fail: map[string]error{}}
}

func (p *Profiles) get(path string) (*profile.Profile, error) {
	if pr, ok := p.cache[path]; ok {
		return pr, nil
	}
	if err, ok := p.fail[path]; ok {
		return nil, err
	}
	pr, err := p.read(path)
	if err != nil {
		p.fail[path] = err
		return nil, err
	}
	p.cache[path] = pr
	return pr, nil
}

// Attach adds to each finding what the profiles captured for it show,
// and names its culprit. caps are the run's captures, for
// a run started at started.
func (p *Profiles) Attach(fs []report.Finding, caps []report.Profile, started time.Time) {
	for i := range fs {
		f := &fs[i]
		for _, k := range evidenceKinds(f.Kind) { // what was not captured is not found
			if ev, ok := p.evidence(f, k, caps, started); ok {
				f.Evidence = append(f.Evidence, ev)
			}
		}
		f.Culprit = culprit(*f)
	}
}

// evidence is what the capture of kind k for f shows. A leak compares
// the first goroutine dump in its span with the last, for the stacks that
// grew; one dump alone shows its largest stacks.
func (p *Profiles) evidence(f *report.Finding, k profiles.Kind, caps []report.Profile, started time.Time) (report.Evidence, bool) {
	var first, last, own *report.Profile
	for i := range caps {
		c := &caps[i]
		if c.Kind != string(k) || (f.Target != "" && c.Target != f.Target) {
			continue
		}
		if at := c.Time.Sub(started).Seconds(); at >= f.Start-1 && at <= f.End+after.Seconds() {
			if first == nil {
				first = c
			}
			if own == nil && strings.HasPrefix(c.Reason, Reason(f.Kind)) {
				own = c // taken for this finding: at its signature, not beside it
			}
			last = c
		}
	}
	if first == nil {
		return report.Evidence{}, false
	}
	use := cmp.Or(own, first)
	if f.Kind == report.Leak {
		use = last
	}
	ev := report.Evidence{Profile: use.Path}
	pr, err := p.get(use.Path)
	if err != nil {
		ev.Note = "unreadable: " + err.Error()
		return ev, true
	}
	if f.Kind != report.Leak && resourceDump(pr) {
		return report.Evidence{}, false // no stacks: it says what leaked, never where requests wait
	}
	if f.Kind == report.Leak && first != last {
		if base, err := p.get(first.Path); err == nil {
			// Both dumps taken once the leak had stopped growing (it hit
			// a cap, or the goroutines were all there) show no growth:
			// the last one's largest stacks are then the leak's.
			if sh := grown(base, pr); len(sh.top) > 0 {
				ev.Top, ev.Function, ev.Base = sh.top, sh.fn, first.Path
				return ev, true
			}
		}
	}
	sh := summary(pr, k)
	if f.Kind == report.Leak && k == profiles.Goroutine {
		sh = leaked(pr) // what is held, not the load's connections
	}
	ev.Top, ev.Function, ev.Note = sh.top, sh.fn, sh.note
	return ev, true
}

// leaked is what one goroutine dump shows of a leak: its largest stacks,
// but for net/http's connections, which the load's connections hold (an
// open model's backlog after a stall holds a thousand of them).
func leaked(pr *profile.Profile) shown {
	sh := stacksShown(pr, false, func(frames []profiles.Frame) bool { return profiling(frames) || connection(frames) })
	if len(sh.top) == 0 && sh.note == "" {
		sh.note = "only the load's connections are held"
	}
	return sh
}

// stacksShown is a goroutine dump's largest stacks but those skip says,
// handlers first when servingFirst: where requests wait.
func stacksShown(pr *profile.Profile, servingFirst bool, skip func([]profiles.Frame) bool) shown {
	stacks, err := profiles.Stacks(pr)
	if err != nil {
		return shown{note: err.Error()}
	}
	if servingFirst {
		slices.SortStableFunc(stacks, func(a, b profiles.Stack) int { return boolRank(serving(b.Frames)) - boolRank(serving(a.Frames)) })
	}
	var sh shown
	for _, s := range stacks {
		if len(sh.top) < topN && !skip(s.Frames) {
			sh.top = append(sh.top, fmt.Sprintf("%d %s in %s", s.Count, unitsOf(s.Frames), short(ownCode(s.Frames))))
			sh.fn = cmp.Or(sh.fn, ownCode(s.Frames))
		}
	}
	return sh
}

// shown is what a profile shows: its top lines, most first, and the
// function the first names; or a note of why it shows nothing.
type shown struct {
	top      []string
	fn, note string
}

// summary is what a profile of kind k shows.
func summary(pr *profile.Profile, k profiles.Kind) shown {
	if k == profiles.Goroutine {
		return stacksShown(pr, true, profiling) // handlers first: where requests wait is the evidence
	}
	index := map[profiles.Kind]string{profiles.Mutex: "delay", profiles.Block: "delay", profiles.Heap: "inuse_space", profiles.Allocs: "alloc_space", profiles.Blocking: "samples"}[k]
	pr = unobserved(pr)
	t, err := profiles.Top(pr, index, topN, false)
	if err != nil {
		return shown{note: err.Error()}
	}
	if t.Total == 0 {
		return shown{note: fmt.Sprintf("the %s profile is empty", k)}
	}
	var sh shown
	for _, r := range t.Rows {
		if r.FlatPct >= 1 || len(sh.top) == 0 {
			sh.top = append(sh.top, fmt.Sprintf("%s %.0f%%", short(r.Name), r.FlatPct))
			sh.fn = cmp.Or(sh.fn, r.Name)
		}
	}
	// Where the top is the standard library's (sync.(*Mutex).Unlock,
	// runtime.mallocgc), the program's own function above it is the
	// culprit: first.
	if len(t.Rows) > 0 && !loopProfile(pr) && standard(t.Rows[0].Name) {
		if own, fn, ok := ownTop(pr, index); ok {
			sh.top, sh.fn = append([]string{own}, sh.top...), fn
		}
	}
	return sh
}

// unitsOf names what a stack's count counts: an event loop's tasks (its
// frames are Python's or Node's), or goroutines.
func unitsOf(frames []profiles.Frame) string {
	if loopFrames(frames) {
		return "tasks"
	}
	return "goroutines"
}

// ownTop is the program's own function nearest the top of each sample
// (its first frame outside the standard library, from the leaf), the one
// with the most of the profile: the program's code that called into the
// library, where the flat top was the library's.
func ownTop(pr *profile.Profile, index string) (line, fn string, ok bool) {
	idx, err := pr.SampleIndexByName(index)
	if err != nil {
		return "", "", false
	}
	totals := map[string]int64{}
	var total int64
	for _, s := range pr.Sample {
		v := s.Value[idx]
		total += v
		if fn := ownFrame(s); fn != "" {
			totals[fn] += v
		}
	}
	best := ""
	for fn, v := range totals {
		if best == "" || v > totals[best] || v == totals[best] && fn < best {
			best = fn
		}
	}
	if best == "" || total <= 0 {
		return "", "", false
	}
	return fmt.Sprintf("%s (%.0f%% with what it calls)", short(best), 100*float64(totals[best])/float64(total)), best, true
}

// ownFrame is a sample's first function, from the leaf, outside the
// standard library; "" when it has none.
func ownFrame(s *profile.Sample) string {
	for _, loc := range s.Location {
		for _, ln := range loc.Line { // the innermost inlined call first
			if ln.Function != nil && !standard(ln.Function.Name) {
				return ln.Function.Name
			}
		}
	}
	return ""
}

// grown are the stacks that gained goroutines from base to newer.
func grown(base, newer *profile.Profile) shown {
	l, err := profiles.Compare(base, newer)
	if err != nil {
		return shown{note: err.Error()}
	}
	var sh shown
	for _, g := range l.Stacks {
		if len(sh.top) == topN || g.Delta() <= 0 {
			break
		}
		// Connections, idle or serving a request, are the load's; a
		// stack or two more is not what grew.
		if !connection(g.Frames) && !profiling(g.Frames) && (len(sh.top) == 0 || g.Delta() >= minGrown) {
			sh.top = append(sh.top, fmt.Sprintf("%s +%d %s", short(ownCode(g.Frames)), g.Delta(), unitsOf(g.Frames)))
			sh.fn = cmp.Or(sh.fn, ownCode(g.Frames))
		}
	}
	if len(sh.top) == 0 {
		return shown{note: "no stack grew between the dumps"}
	}
	return sh
}

// serving reports whether a stack is a request being handled, by
// net/http's server (not a connection waiting for its next request).
func serving(frames []profiles.Frame) bool {
	return slices.ContainsFunc(frames, func(f profiles.Frame) bool { return strings.HasSuffix(f.Func, ".ServeHTTP") })
}

// connection reports whether a stack is net/http's server holding a
// connection: waiting for its next request, or serving one.
func connection(frames []profiles.Frame) bool {
	return slices.ContainsFunc(frames, func(f profiles.Frame) bool {
		return strings.HasPrefix(f.Func, "net/http.(*conn)") || strings.HasPrefix(f.Func, "net/http.(*connReader)")
	})
}

// unobserved is pr without the samples of strain's own looking: the
// target serving its metrics, its runtime endpoint or a profile to strain
// (expfmt's text encoding, a goroutine dump) is work strain made, never
// the service's culprit.
func unobserved(pr *profile.Profile) *profile.Profile {
	if !slices.ContainsFunc(pr.Sample, observing) {
		return pr
	}
	out := pr.Copy()
	out.Sample = slices.DeleteFunc(out.Sample, observing)
	return out
}

// observers are the packages that serve what strain reads of a target
// (runtime/trace: the goroutines that write its trace windows).
// client_golang's collectors gather in goroutines of their own, whose
// stacks do not show the handler.
var observers = []string{"net/http/pprof.", "runtime/pprof.", "github.com/prometheus/client_golang/prometheus",
	"github.com/prometheus/common/expfmt.", "github.com/strain-dev/strain/vitals.", "runtime/trace."}

// observing reports whether a sample is of a target serving strain.
func observing(s *profile.Sample) bool {
	return anyFrame(s, func(fn string) bool {
		return slices.ContainsFunc(observers, func(o string) bool { return strings.HasPrefix(fn, o) })
	})
}

// anyFrame reports whether any function on a sample's stack, inlined
// calls included, is one that match likes.
func anyFrame(s *profile.Sample, match func(fn string) bool) bool {
	for _, loc := range s.Location {
		for _, ln := range loc.Line {
			if ln.Function != nil && match(ln.Function.Name) {
				return true
			}
		}
	}
	return false
}

// profiling reports whether a stack is the capture itself being served.
func profiling(frames []profiles.Frame) bool {
	return slices.ContainsFunc(frames, func(f profiles.Frame) bool {
		return strings.HasPrefix(f.Func, "net/http/pprof.") || strings.HasPrefix(f.Func, "runtime/pprof.")
	})
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}

// ownCode is where goroutines wait in the program's own code: the first
// call outside the standard library (a handler waiting on a lock is in
// the handler, not in sync.(*Mutex).Lock), or, for a stack all in it,
// the first outside the runtime.
func ownCode(frames []profiles.Frame) string {
	for _, f := range frames {
		if !standardFrame(f) {
			return f.Func
		}
	}
	return profiles.Where(frames)
}

// standardFrame reports whether a frame is in a standard library: Go's;
// for a Python frame, a file of the interpreter's own lib directory (not
// its site- or dist-packages); for a JavaScript frame, Node's built-in
// modules.
func standardFrame(f profiles.Frame) bool {
	if python, lib := profiles.PythonLibrary(f.File); python {
		return lib
	}
	if nodeFile(f.File) {
		return nodeLibrary(f.File)
	}
	return standard(f.Func)
}

// standard reports whether function fn is the standard library's: its
// package path's first element has no dot, and it is not main.
func standard(fn string) bool {
	path := fn
	if i := strings.LastIndexByte(path, '/'); i >= 0 {
		first := path[:strings.IndexByte(path, '/')]
		return !strings.Contains(first, ".")
	}
	if i := strings.IndexByte(path, '.'); i >= 0 {
		path = path[:i]
	}
	return path != "main"
}

// minGrown is the least growth of a stack that a leak's evidence lists
// after its first.
const minGrown = 10

// short is a function's name without its package's path:
// github.com/x/y/target.hog is target.hog.
func short(fn string) string {
	if i := strings.LastIndexByte(fn, '/'); i >= 0 {
		return fn[i+1:]
	}
	return fn
}

// culprit names what the first profile of f's evidence shows, as a
// sentence: "Busiest: target.hog 94% of the CPU."; "" when none does.
func culprit(f report.Finding) string {
	for _, ev := range f.Evidence {
		if ev.Profile == "" || len(ev.Top) == 0 {
			continue
		}
		switch f.Kind {
		case report.Starvation:
			return "Busiest: " + ev.Top[0] + "."
		case report.Leak:
			return "Grown: " + ev.Top[0] + "."
		case report.Stall:
			return "Waiting: " + ev.Top[0] + "."
		case report.Blocking:
			if strings.Contains(ev.Profile, "-blocking-") { // the watchdog's samples
				return "Held the loop: " + ev.Top[0] + "."
			}
			return "Waiting: " + ev.Top[0] + "."
		case report.Contention:
			if strings.Contains(ev.Profile, "-mutex-") {
				return "Held the lock: " + ev.Top[0] + "."
			}
			return "Waited on a lock: " + ev.Top[0] + "."
		default:
			return "Top: " + ev.Top[0] + "."
		}
	}
	return ""
}
