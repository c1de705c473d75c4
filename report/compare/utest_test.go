package compare

import (
	"math"
	"math/rand/v2"
	"testing"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// bruteU counts, over every pair, how often a's value is above b's (a tie
// a half): U as its definition says, with none of UTest's arithmetic.
func bruteU(a, b []float64) float64 {
	u := 0.0
	for _, x := range a {
		for _, y := range b {
			switch {
			case x > y:
				u++
			case x == y:
				u += 0.5
			}
		}
	}
	return u
}

func ones(v []float64) []Sample {
	out := make([]Sample, len(v))
	for i, x := range v {
		out[i] = Sample{Value: x, Count: 1}
	}
	return out
}

// permutationP is the two-sided p-value of U by permutation: the share of
// random splits of the pooled values whose U is as far from its mean as
// the observed one. An independent truth for UTest's normal
// approximation.
func permutationP(a, b []float64, rounds int, rng *rand.Rand) float64 {
	mean := float64(len(a)*len(b)) / 2
	observed := math.Abs(bruteU(a, b) - mean)
	pool := append(append([]float64{}, a...), b...)
	far := 0
	for range rounds {
		rng.Shuffle(len(pool), func(i, j int) { pool[i], pool[j] = pool[j], pool[i] })
		if math.Abs(bruteU(pool[:len(a)], pool[len(a):])-mean) >= observed-1e-9 {
			far++
		}
	}
	return float64(far) / float64(rounds)
}

// UTest's p-value agrees with a permutation test's on small samples with
// ties, where its normal approximation is at its weakest: down to
// MinSamples a side (a run's intervals).
func TestUTestAgreesWithPermutation(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct {
		name  string
		n     int
		shift float64
	}{{"same", 30, 0}, {"small shift", 30, 0.5}, {"shift", 30, 1}, {"the fewest: same", MinSamples, 0}, {"the fewest: shift", MinSamples, 1.2}} {
		t.Run(tc.name, func(t *testing.T) {
			var a, b []float64
			for range tc.n {
				a = append(a, math.Round(rng.NormFloat64()*2)) // rounded: ties
				b = append(b, math.Round(rng.NormFloat64()*2+tc.shift*2))
			}
			got := UTest(ones(a), ones(b))
			want := permutationP(a, b, 4000, rng)
			t.Logf("p = %.4f, permutation's %.4f", got.P, want)
			if !got.Run || math.Abs(got.P-want) > 0.03 {
				t.Errorf("p = %.4f (run %v), permutation's %.4f", got.P, got.Run, want)
			}
		})
	}
}

// The same values given as counts (a histogram's buckets) test as they
// do one by one.
func TestUTestCountsAreSamples(t *testing.T) {
	a := []float64{1, 1, 1, 2, 2, 3, 3, 3, 3, 4, 5, 5, 6, 6, 6, 6, 7, 8, 8, 9, 9, 9}
	b := []float64{2, 3, 3, 4, 4, 4, 5, 5, 5, 5, 6, 7, 7, 7, 8, 8, 9, 9, 9, 9, 10, 10}
	counts := func(v []float64) []Sample {
		m := map[float64]float64{}
		for _, x := range v {
			m[x]++
		}
		var out []Sample
		for x, n := range m {
			out = append(out, Sample{x, n})
		}
		return out
	}
	one, grouped := UTest(ones(a), ones(b)), UTest(counts(a), counts(b))
	if one.P != grouped.P || one.Higher != 1 {
		t.Errorf("one by one p=%v higher=%d, as counts p=%v: want equal, higher 1", one.P, one.Higher, grouped.P)
	}
}

// record draws n latencies from a log-normal distribution about median,
// scaled by factor, into a histogram as strain's are (1µs to 1h, 3
// digits: its buckets tie values).
func record(rng *rand.Rand, n int, median, factor float64) []Sample {
	h := hdr.New(1000, 3_600_000_000_000, 3)
	for range n {
		h.RecordValue(int64(median * math.Exp(0.5*rng.NormFloat64()) * factor))
	}
	return histogramSamples(h)
}

// Two runs from the same distribution differ beyond the noise at most as
// often as α says (not in 95% of trials and more); a 10% shift with
// enough requests is found every time, in the distribution and in its
// median.
func TestTestsOnKnownDistributions(t *testing.T) {
	const trials, n = 200, 2000
	rng := rand.New(rand.NewPCG(29, 2))
	var same, sameP50, sameP99, sameMean, shifted, shiftedP50, shiftedMean int
	for range trials {
		a, b := record(rng, n, 5e6, 1), record(rng, n, 5e6, 1)
		same += boolInt(UTest(a, b).Significant())
		sameP50 += boolInt(QuantileTest(a, b, 0.5).Significant())
		sameP99 += boolInt(QuantileTest(a, b, 0.99).Significant())
		sameMean += boolInt(MeanTest(a, b).Significant())
		c := record(rng, n, 5e6, 1.1)
		u := UTest(a, c)
		shifted += boolInt(u.Significant() && u.Higher > 0)
		q := QuantileTest(a, c, 0.5)
		shiftedP50 += boolInt(q.Significant() && q.Higher > 0)
		m := MeanTest(a, c)
		shiftedMean += boolInt(m.Significant() && m.Higher > 0)
	}
	t.Logf("same distribution called different: %d (distribution), %d (p50), %d (p99), %d (mean) of %d; 10%% shift found: %d, %d (p50), %d (mean)",
		same, sameP50, sameP99, sameMean, trials, shifted, shiftedP50, shiftedMean)
	// α = 0.01 expects 2 of 200; 6 is about three standard deviations
	// past it, and still within the 5% (10) the test may be wrong.
	for name, got := range map[string]int{"distribution": same, "p50": sameP50, "p99": sameP99, "mean": sameMean} {
		if got > 6 {
			t.Errorf("same distribution: %s called different in %d of %d trials, want at most 6 (α=%v)", name, got, trials, Alpha)
		}
	}
	if shifted != trials || shiftedP50 < trials*95/100 || shiftedMean < trials*95/100 {
		t.Errorf("10%% shift found higher in %d (distribution), %d (p50) and %d (mean) of %d trials, want all, 95%% and 95%%", shifted, shiftedP50, shiftedMean, trials)
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// The proportion test's p-value is the one a hand computation gives, and
// too few samples leave it unrun.
func TestProportionTest(t *testing.T) {
	// 30 of 1000 against 50 of 1000: pooled 0.04, se = sqrt(.04×.96×.002)
	// = 0.0087636, z = 0.02/se = 2.28218, p = 0.022478.
	got := ProportionTest(30, 1000, 50, 1000)
	if !got.Run || math.Abs(got.P-0.022478) > 1e-5 || got.Higher != 1 {
		t.Errorf("got p=%v higher=%d, want 0.022478 and 1", got.P, got.Higher)
	}
	if got := ProportionTest(1, 5, 4, 5); got.Run {
		t.Errorf("5 requests a side were tested: %+v", got)
	}
	if got := ProportionTest(0, 1000, 0, 1000); !got.Run || got.P != 1 || got.Significant() {
		t.Errorf("no errors on either side: %+v, want p=1", got)
	}
}

// A few very slow requests move the mean one way while the bulk moves the
// other: the mean's test follows the mean, the U test the bulk; and the
// mean's p-value is the one a hand computation gives.
func TestMeanTest(t *testing.T) {
	old := []Sample{{Value: 10, Count: 1000}, {Value: 20, Count: 1000}}
	new := []Sample{{Value: 9, Count: 1000}, {Value: 19, Count: 990}, {Value: 2000, Count: 10}}
	m, u := MeanTest(old, new), UTest(old, new)
	if !m.Significant() || m.Higher != 1 || !u.Significant() || u.Higher != -1 {
		t.Errorf("mean %+v, U %+v: want the mean higher and the bulk lower, both beyond the noise", m, u)
	}
	// 1, 2, 3 ×10 against 2, 3, 4 ×10: means 2 and 3, variances 20/29
	// each, se = sqrt(2 × 20/29 / 30) = 0.214423, z = 4.66369,
	// p = 3.1064e-6.
	var a, b []Sample
	for _, v := range []float64{1, 2, 3} {
		a, b = append(a, Sample{v, 10}), append(b, Sample{v + 1, 10})
	}
	if got := MeanTest(a, b); math.Abs(got.P-3.1064e-6) > 1e-9 {
		t.Errorf("p = %g, want 3.1064e-6", got.P)
	}
}
