package main

import "time"

// burst is a recurring window of misbehaviour, as offsets from a service's
// start: from Start on, the first On of every Period.
type burst struct {
	Start, On, Period time.Duration
}

// at reports whether elapsed falls in a window, and how long until that
// changes. A Period of zero or less means one window, from Start on, that
// never closes.
func (b burst) at(elapsed time.Duration) (on bool, next time.Duration) {
	if elapsed < b.Start {
		return false, b.Start - elapsed
	}
	if b.Period <= 0 {
		return true, time.Duration(1<<63 - 1)
	}
	phase := (elapsed - b.Start) % b.Period
	if phase < b.On {
		return true, b.On - phase
	}
	return false, b.Period - phase
}
