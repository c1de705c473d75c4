package profiles

import "time"

// slot is one kind of capture from one target (its pprof URL, or "self").
type slot struct {
	target string
	kind   Kind
}

// cooled is what a cooldown is kept for: a slot, for one reason. Two
// alerts that ask for the same kind are two questions (a stall's goroutines
// are not a leak's), so one does not hold the other back; the caps still
// bound them all.
type cooled struct {
	slot
	reason string
}

// admission decides which captures go ahead: one exclusive kind in flight
// per target, a cooldown per slot and reason, and caps on count and bytes. It is a
// pure function of its state and the time it is given, so it is tested
// without sleeping; the Capturer guards it with its mutex.
type admission struct {
	cooldown    time.Duration // negative: none
	maxCaptures int           // negative: no cap
	maxBytes    int64         // negative: no cap

	last     map[cooled]time.Time
	inFlight map[slot]bool
	admitted int   // kept, or being captured
	bytes    int64 // kept, plus reserved by captures being written
}

func newAdmission(cfg Config) *admission {
	return &admission{
		cooldown:    cfg.Cooldown,
		maxCaptures: cfg.MaxCaptures,
		maxBytes:    cfg.MaxBytes,
		last:        map[cooled]time.Time{},
		inFlight:    map[slot]bool{},
	}
}

// admit returns "" and counts the capture in, or why it is skipped.
func (a *admission) admit(s slot, reason string, now time.Time) string {
	if s.kind.exclusive() && a.inFlight[s] {
		return skipInFlight(s.kind)
	}
	if last, ok := a.last[cooled{s, reason}]; ok && a.cooldown > 0 && now.Sub(last) < a.cooldown {
		return SkipCooldown
	}
	if a.maxCaptures >= 0 && a.admitted >= a.maxCaptures {
		return SkipCap
	}
	if a.maxBytes >= 0 && a.bytes >= a.maxBytes {
		return SkipCap
	}
	a.admitted++
	a.last[cooled{s, reason}] = now
	if s.kind.exclusive() {
		a.inFlight[s] = true
	}
	return ""
}

// done ends s's capture in flight. A capture that was not kept gives its
// place under the count cap back (its cooldown stands, so a failing target
// is not asked again at once).
func (a *admission) done(s slot, kept bool) {
	delete(a.inFlight, s)
	if !kept {
		a.admitted--
	}
}

// reserve counts n bytes about to be written, or reports that they would
// pass the cap.
func (a *admission) reserve(n int64) bool {
	if a.maxBytes >= 0 && a.bytes+n > a.maxBytes {
		return false
	}
	a.bytes += n
	return true
}

// release gives back bytes reserved for a write that failed.
func (a *admission) release(n int64) { a.bytes -= n }
