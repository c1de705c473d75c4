package profiles

import "time"

// Manual is a one-off capture of one target, as an operator asks for it:
// a CPU profile and an execution trace each over its own duration, and
// snapshots of other kinds, all at once.
type Manual struct {
	Target, URL, Reason string        // as in Request
	CPU                 time.Duration // a CPU profile over this long; zero or negative for none
	Trace               time.Duration // an execution trace over this long; zero or negative for none
	Snapshots           []Kind        // kinds of no duration: Heap, Goroutine, Flight...
}

// Requests returns m as requests for a Capturer: the CPU profile's, the
// trace's, then the snapshots', each present only if it asks for a
// capture. None means m asks for nothing.
func (m Manual) Requests() []Request {
	base := Request{Target: m.Target, URL: m.URL, Reason: m.Reason}
	var reqs []Request
	add := func(d time.Duration, kinds ...Kind) {
		r := base
		r.Kinds, r.Duration = kinds, d
		reqs = append(reqs, r)
	}
	if m.CPU > 0 {
		add(m.CPU, CPU)
	}
	if m.Trace > 0 {
		add(m.Trace, Trace)
	}
	if len(m.Snapshots) > 0 {
		add(0, m.Snapshots...)
	}
	return reqs
}
