package profiles

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/google/pprof/profile"
)

// Frame is one call in a goroutine's stack.
type Frame struct {
	Func string
	File string
	Line int64
}

// Stack is the goroutines of a profile that share one stack.
type Stack struct {
	Frames []Frame // the innermost call first
	Count  int64
}

// Growth is how many goroutines sat in one stack in two captures.
type Growth struct {
	Frames    []Frame
	Base, New int64
}

// Delta is how many more goroutines the stack held in the newer capture.
func (g Growth) Delta() int64 { return g.New - g.Base }

// Leak compares two goroutine profiles: the goroutine-leak finder.
type Leak struct {
	Base, New int64    // goroutines in each capture
	Stacks    []Growth // stacks whose count changed, most grown first
}

// Stacks groups a goroutine profile's goroutines by stack, the largest
// group first. A stack is the program's part of it: the functions from the
// first call outside the runtime down to the root. Goroutines that wait at
// different lines or in different runtime calls of one program stack (a
// channel receive, a select) are one group, as they are one leak; so are
// goroutines that differ only in their pprof labels. A group's Frames are
// those of its largest part. Goroutines that have not started running yet
// have no stack in the profile: they make a group of their own.
func Stacks(p *profile.Profile) ([]Stack, error) {
	counts, frames, err := group(p)
	if err != nil {
		return nil, err
	}
	out := make([]Stack, 0, len(counts))
	for k, n := range counts {
		out = append(out, Stack{Frames: frames[k], Count: n})
	}
	slices.SortFunc(out, func(a, b Stack) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), compareFrames(a.Frames, b.Frames))
	})
	return out, nil
}

// Compare returns the stacks whose goroutine count changed from base to
// newer, the most grown first: a leak is the stack at the top, growing by
// about what the load did.
func Compare(base, newer *profile.Profile) (*Leak, error) {
	bc, bf, err := group(base)
	if err != nil {
		return nil, fmt.Errorf("base: %w", err)
	}
	nc, nf, err := group(newer)
	if err != nil {
		return nil, fmt.Errorf("new: %w", err)
	}
	l := &Leak{Base: sum(bc), New: sum(nc)}
	maps.Copy(bf, nf) // every stack in either capture
	for k, f := range bf {
		if g := (Growth{Frames: f, Base: bc[k], New: nc[k]}); g.Delta() != 0 {
			l.Stacks = append(l.Stacks, g)
		}
	}
	slices.SortFunc(l.Stacks, func(a, b Growth) int {
		return cmp.Or(cmp.Compare(b.Delta(), a.Delta()), compareFrames(a.Frames, b.Frames))
	})
	return l, nil
}

// group counts p's goroutines by stack key, with each key's frames.
func group(p *profile.Profile) (map[string]int64, map[string][]Frame, error) {
	idx := slices.IndexFunc(p.SampleType, func(t *profile.ValueType) bool { return t.Type == "goroutine" })
	if idx < 0 {
		return nil, nil, fmt.Errorf("not a goroutine profile (its samples are %s)", sampleTypes(p))
	}
	counts, frames := map[string]int64{}, map[string][]Frame{}
	largest := map[string]int64{}
	for _, s := range p.Sample {
		f := stackFrames(s)
		k, v := stackKey(f), s.Value[idx]
		counts[k] += v
		if v > largest[k] || frames[k] == nil {
			frames[k], largest[k] = f, v
		}
	}
	return counts, frames, nil
}

// stackFrames lists a sample's calls, innermost first.
func stackFrames(s *profile.Sample) []Frame {
	var out []Frame
	for _, l := range s.Location {
		for _, ln := range l.Line {
			f := Frame{Func: unnamed(l), Line: ln.Line}
			if ln.Function != nil {
				f.Func, f.File = cmp.Or(ln.Function.Name, f.Func), ln.Function.Filename
			}
			out = append(out, f)
		}
		if len(l.Line) == 0 {
			out = append(out, Frame{Func: unnamed(l)})
		}
	}
	return out
}

// stackKey names a stack by the functions of its program part.
func stackKey(frames []Frame) string {
	var b strings.Builder
	for _, f := range frames[where(frames):] {
		b.WriteString(f.Func)
		b.WriteByte('\n')
	}
	return b.String()
}

func compareFrames(a, b []Frame) int { return strings.Compare(stackKey(a), stackKey(b)) }

func sum(m map[string]int64) int64 {
	var n int64
	for _, v := range m {
		n += v
	}
	return n
}

func sampleTypes(p *profile.Profile) string {
	var s []string
	for _, t := range p.SampleType {
		s = append(s, t.Type+"/"+t.Unit)
	}
	return strings.Join(s, ", ")
}

// Where is the first call in frames outside the runtime: where the
// goroutines wait, in the program's own terms.
func Where(frames []Frame) string {
	if len(frames) == 0 {
		// The runtime records no stack for a goroutine that has not
		// started running yet.
		return "<no stack: not started yet>"
	}
	return frames[where(frames)].Func
}

// where is the index of the first frame outside the runtime, or 0 for a
// stack that is all runtime. A Python task's runtime is its interpreter's
// own library (asyncio's Event.wait…).
func where(frames []Frame) int {
	for i, f := range frames {
		python, lib := PythonLibrary(f.File)
		switch {
		case python && lib:
		case !python && (strings.HasPrefix(f.Func, "runtime.") || strings.HasPrefix(f.Func, "internal/")):
		default:
			return i
		}
	}
	return 0
}

// PythonLibrary reports whether file is Python's, and whether it is the
// interpreter's own library (under lib/python, not its site- or
// dist-packages) rather than the program's.
func PythonLibrary(file string) (python, lib bool) {
	python = strings.HasSuffix(file, ".py")
	return python, python && strings.Contains(file, "/lib/python") && !strings.Contains(file, "-packages/")
}
