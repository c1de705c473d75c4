package capacity

import (
	"math"
	"testing"
)

// search runs a bracket against a service that holds every rate up to
// truth, and returns the rates tried and the answer.
func search(b bracket, truth float64) (tried []float64, answer float64) {
	for {
		r, ok := b.next()
		if !ok {
			return tried, b.lo
		}
		tried = append(tried, r)
		b.record(r, r <= truth)
		if len(tried) > 100 {
			panic("the search does not end")
		}
	}
}

func TestBracketFindsTheTruthWithinThePrecision(t *testing.T) {
	for _, truth := range []float64{1, 3.7, 99, 150, 1980, 2000, 2001, 37_000, 99_999} {
		for _, p := range []float64{0.01, 0.05, 0.2} {
			b := bracket{start: 100, ceiling: 100_000, precision: p, growth: 2}
			tried, answer := search(b, truth)
			if answer > truth || answer < truth/(1+p)-0.01*truth {
				t.Errorf("truth %g, precision %g: answer %g (tried %v)", truth, p, answer, tried)
			}
			for _, r := range tried {
				if r > 100_000 {
					t.Errorf("truth %g: tried %g, above the ceiling", truth, r)
				}
			}
		}
	}
}

func TestBracketStepsTo2000(t *testing.T) {
	tried, answer := search(bracket{start: 100, ceiling: 100_000, precision: 0.05, growth: 2}, 1980)
	want := []float64{100, 200, 400, 800, 1600, 3200, 2400, 2000, 1800, 1900, 1950}
	if len(tried) != len(want) {
		t.Fatalf("tried %v, want %v", tried, want)
	}
	for i := range want {
		if tried[i] != want[i] {
			t.Fatalf("tried %v, want %v", tried, want)
		}
	}
	if answer != 1950 {
		t.Errorf("answer %g, want 1950", answer)
	}
}

func TestBracketEnds(t *testing.T) {
	b := bracket{start: 100, ceiling: 300, precision: 0.05, growth: 2}
	tried, answer := search(b, math.Inf(1))
	if answer != 300 || tried[len(tried)-1] != 300 {
		t.Errorf("above the ceiling: tried %v, answer %g; want it to stop at the ceiling, 300", tried, answer)
	}
	b.lo, b.hi = 300, 0
	if b.outcome() != "ceiling" {
		t.Errorf("outcome %q, want ceiling", b.outcome())
	}
	b = bracket{start: 100, ceiling: 300, precision: 0.05, growth: 2}
	tried, answer = search(b, 0)
	if answer != 0 || tried[len(tried)-1] < minRate || tried[len(tried)-1] >= 2*minRate {
		t.Errorf("nothing holds: tried %v, answer %g; want it to stop near %g", tried, answer, minRate)
	}
}

func TestBracketStaysOrderedOnNoise(t *testing.T) {
	b := bracket{start: 100, ceiling: 1000, precision: 0.05, growth: 2, lo: 200, hi: 400}
	b.record(400, true) // the knee's noise: a pass where a failure was
	if b.lo != 400 || b.hi != 0 {
		t.Errorf("after a pass at the failure: lo %g hi %g, want 400 and none", b.lo, b.hi)
	}
	b = bracket{lo: 200, hi: 400}
	b.record(150, false)
	if b.lo != 0 || b.hi != 150 {
		t.Errorf("after a failure below the pass: lo %g hi %g, want none and 150", b.lo, b.hi)
	}
}

func TestRoundRate(t *testing.T) {
	for in, want := range map[float64]float64{1950.4: 1950, 100.5: 101, 12.34: 12.3, 3.1415: 3.14, 0.5: 0.5, 0: 0} {
		if got := roundRate(in); got != want {
			t.Errorf("roundRate(%g) = %g, want %g", in, got, want)
		}
	}
}
