package capacity

import (
	"math"

	"github.com/strain-dev/strain/report"
)

// minRate is the lowest rate a search tries: below it, no rate met the
// SLOs.
const minRate = 1.0

// bracket is where the capacity lies as the search learns it: every rate
// up to lo held, hi failed (0 for none yet).
type bracket struct {
	lo, hi                    float64
	start, ceiling, precision float64
	growth                    float64 // the factor rates grow (or shrink) by until a bound is known
}

// next is the next rate to try, or false when the search is done: the
// bracket is within the precision, the ceiling held, or no rate down to
// minRate did.
func (b *bracket) next() (float64, bool) {
	switch {
	case b.lo == 0 && b.hi == 0:
		return min(b.start, b.ceiling), true
	case b.hi == 0: // none failed yet: grow, up to the ceiling
		if b.lo >= b.ceiling {
			return 0, false
		}
		return min(roundRate(b.lo*b.growth), b.ceiling), true
	case b.lo == 0: // even the lowest tried failed: shrink
		r := max(roundRate(b.hi/b.growth), minRate)
		return r, r < b.hi
	case b.precise():
		return 0, false
	}
	r := roundRate((b.lo + b.hi) / 2)
	return r, r > b.lo && r < b.hi // rounding can leave no rate between
}

// precise says whether the bracket is within the precision: the capacity
// found (lo) is then within it of the truth, which lies in [lo, hi).
func (b *bracket) precise() bool { return b.lo > 0 && b.hi > 0 && (b.hi-b.lo)/b.lo <= b.precision }

// record narrows the bracket by a step at rate that passed or failed. A
// pass above a known failure (the service's noise at its knee) moves the
// failure above it, so the bracket stays ordered.
func (b *bracket) record(rate float64, pass bool) {
	if pass {
		b.lo = max(b.lo, rate)
		if b.hi != 0 && b.hi <= b.lo {
			b.hi = 0
		}
		return
	}
	if b.hi == 0 || rate < b.hi {
		b.hi = rate
	}
	if b.lo >= b.hi {
		b.lo = 0
	}
}

// roundRate rounds a rate to what a person would ask for: whole requests
// per second from 100 up, three significant figures below.
func roundRate(r float64) float64 {
	if r >= 100 {
		return math.Round(r)
	}
	if r <= 0 {
		return 0
	}
	scale := math.Pow(10, 2-math.Floor(math.Log10(r)))
	return math.Round(r*scale) / scale
}

// outcome is how a search that ran to its end ended: found, ceiling or
// none.
func (b *bracket) outcome() string {
	switch {
	case b.hi == 0:
		return report.OutcomeCeiling
	case b.lo == 0:
		return report.OutcomeNone
	}
	return report.OutcomeFound
}
