package loadgen

import (
	"math"
	"sync"
	"time"
)

// live is what can change while a run goes: a level set by hand, which
// replaces the stages from then on, and a pause.
type live struct {
	mu       sync.Mutex // guards the fields below: set by the caller, read by the controllers
	override float64    // > 0: the level asked for by hand
	version  uint64     // bumped on every change, so a controller can tell
	paused   bool
	changed  chan struct{} // signalled (not closed) on every change
}

func newLive() *live { return &live{changed: make(chan struct{}, 1)} }

func (l *live) bump() {
	l.version++
	select {
	case l.changed <- struct{}{}:
	default:
	}
}

func (l *live) state() (override float64, paused bool, version uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.override, l.paused, l.version
}

// SetLevel changes the load level by hand from now on: the concurrency in
// the closed model (rounded, at least 1), the rate in the open model (> 0).
// It replaces what remains of the stages.
func (e *Engine) SetLevel(v float64) {
	if e.cfg.Open() {
		v = max(v, 1e-3) / e.cfg.Segment.Share() // a segment's level is its share of the whole's schedule
	} else {
		v = max(math.Round(v), 1)
	}
	e.live.mu.Lock()
	defer e.live.mu.Unlock()
	e.live.override = v
	e.live.bump()
}

// TogglePause pauses the load, or resumes it, and reports whether it is now
// paused. A paused open model schedules nothing, and counts nothing as
// dropped, until it resumes where it stopped.
func (e *Engine) TogglePause() bool {
	e.live.mu.Lock()
	defer e.live.mu.Unlock()
	e.live.paused = !e.live.paused
	e.live.bump()
	return e.live.paused
}

// Paused reports whether the load is paused.
func (e *Engine) Paused() bool {
	_, paused, _ := e.live.state()
	return paused
}

// schedule is the open model's timetable: request i is due at
// base + profile.HitTime(i − n0). Setting a rate by hand starts a new
// constant profile at the current time and count; a pause moves base on
// by its length.
type schedule struct {
	profile Profile
	base    time.Duration
	n0      float64
}

func (s *schedule) due(i float64) (time.Duration, bool) {
	t, ok := s.profile.HitTime(i - s.n0)
	return s.base + t, ok
}

// hits is how many requests are due by elapsed.
func (s *schedule) hits(elapsed time.Duration) float64 {
	if elapsed <= s.base {
		return s.n0
	}
	return s.n0 + s.profile.Hits(elapsed-s.base)
}

// rebase starts a constant rate at elapsed, the next request numbered n.
func (s *schedule) rebase(rate float64, elapsed time.Duration, n int64) {
	s.profile, s.base, s.n0 = Profile{Start: rate}, elapsed, float64(n)
}
