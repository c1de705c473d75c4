package profiles

import (
	"fmt"
	"strings"
)

// Kind is what a capture records: one of the pprof profiles, an execution
// trace, or the target's flight recorder.
type Kind string

// The kinds a Capturer knows.
const (
	CPU          Kind = "cpu"          // CPU profile over a duration
	Heap         Kind = "heap"         // live heap, as of the last GC
	Allocs       Kind = "allocs"       // every allocation since the start
	Goroutine    Kind = "goroutine"    // every goroutine's stack
	Mutex        Kind = "mutex"        // contended mutexes (needs a profile rate)
	Block        Kind = "block"        // blocking on sync and channels (needs a profile rate)
	ThreadCreate Kind = "threadcreate" // stacks that created OS threads
	Trace        Kind = "trace"        // execution trace over a duration
	Flight       Kind = "flight"       // the last seconds of execution trace, from vitals' flight recorder
	Blocking     Kind = "blocking"     // an event loop's blocked stretches, sampled (agents/python's watchdog; agents/node's CPU profile of them)
)

// Kinds lists every Kind, in the order a listing shows them.
var Kinds = []Kind{CPU, Heap, Allocs, Goroutine, Mutex, Block, ThreadCreate, Trace, Flight, Blocking}

// ParseKind returns the Kind named s.
func ParseKind(s string) (Kind, error) {
	for _, k := range Kinds {
		if string(k) == s {
			return k, nil
		}
	}
	names := make([]string, len(Kinds))
	for i, k := range Kinds {
		names[i] = string(k)
	}
	return "", fmt.Errorf("unknown profile kind %q (want one of %s)", s, strings.Join(names, ", "))
}

// exclusive reports whether a target serves only one capture of k at a
// time: the runtime has one CPU profiler and one tracer, and pprof answers a
// second request with 500.
func (k Kind) exclusive() bool { return k == CPU || k == Trace }

// isTrace reports whether k is an execution trace rather than a pprof
// profile.
func (k Kind) isTrace() bool { return k == Trace || k == Flight }

// ext is the file extension for k's files.
func (k Kind) ext() string {
	if k.isTrace() {
		return ".trace"
	}
	return ".pb.gz"
}

// valid reports whether k is one of Kinds.
func (k Kind) valid() bool {
	_, err := ParseKind(string(k))
	return err == nil
}
