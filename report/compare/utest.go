package compare

import (
	"cmp"
	"math"
	"slices"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// Alpha is the significance level: a difference whose p-value is below it
// is beyond the noise. benchstat uses 0.05; strain uses 0.01 because
// neither a run's requests nor its intervals are independent samples (a
// GC pause or a stall delays many at once), which makes a test over them
// find differences more readily than it should: the stricter level makes
// up some of that.
const Alpha = 0.01

// MinSamples is the fewest samples on each side the tests are run with
// (requests, or a run's intervals): the normal approximation they use is
// poor below it.
const MinSamples = 10

// Sample is Count observations of Value: a histogram's bucket, or one
// interval's reading (Count 1).
type Sample struct {
	Value, Count float64
}

// Test is the outcome of a significance test of two sets of samples.
type Test struct {
	Name   string  // which test: "Mann-Whitney U", "two-proportion z"
	N1, N2 float64 // the samples on each side
	P      float64 // the two-sided p-value; 1 when not run
	Run    bool    // false when there were too few samples to run it
	// Higher is 1 when the second side's values tend to be higher, -1
	// when lower, 0 when neither.
	Higher int
	// Over is what the samples are: "requests", "intervals".
	Over string
	// Parts are the tests a joint verdict is made of; its P is the
	// larger of theirs.
	Parts []Test
}

// Significant reports whether the test ran and found a difference beyond
// the noise at Alpha.
func (t Test) Significant() bool { return t.Run && t.P < Alpha }

// UTest is the Mann-Whitney U test of a against b, two-sided, with ties
// (the samples of one value, or of one histogram bucket) given their mean
// rank and the variance corrected for them, and the normal approximation
// with a continuity correction. It asks whether a value drawn from one
// side tends to be larger than one drawn from the other, whatever their
// distributions' shapes: the test benchstat uses.
func UTest(a, b []Sample) Test {
	t := Test{Name: "Mann-Whitney U", N1: total(a), N2: total(b), P: 1, Over: "samples"}
	if t.N1 < MinSamples || t.N2 < MinSamples {
		return t
	}
	n := t.N1 + t.N2
	rankSum, ties := 0.0, 0.0 // a's rank sum; Σ(t³−t) over tied groups
	below := 0.0              // samples ranked below the current value
	for _, g := range groups(a, b) {
		size := g.a + g.b
		rankSum += g.a * (below + (size+1)/2)
		ties += size*size*size - size
		below += size
	}
	u := rankSum - t.N1*(t.N1+1)/2
	mean := t.N1 * t.N2 / 2
	variance := t.N1 * t.N2 / 12 * ((n + 1) - ties/(n*(n-1)))
	t.Run = true
	if variance <= 0 { // every sample the same value: no difference at all
		return t
	}
	t.Higher = cmp.Compare(mean, u) // a's ranks low: b's high
	d := math.Max(math.Abs(u-mean)-0.5, 0)
	t.P = math.Erfc(d / math.Sqrt(variance) / math.Sqrt2)
	return t
}

// group is how many samples of a and of b have one value.
type group struct {
	value, a, b float64
}

// groups joins a and b's samples by value, ascending; samples that are
// not finite numbers, or whose count is not positive, are left out.
func groups(a, b []Sample) []group {
	sa, sb := sorted(a), sorted(b)
	out := make([]group, 0, len(sa)+len(sb))
	for len(sa) > 0 || len(sb) > 0 {
		var v float64
		switch {
		case len(sb) == 0 || len(sa) > 0 && sa[0].Value <= sb[0].Value:
			v = sa[0].Value
		default:
			v = sb[0].Value
		}
		if len(out) == 0 || out[len(out)-1].value != v {
			out = append(out, group{value: v})
		}
		g := &out[len(out)-1]
		if len(sa) > 0 && sa[0].Value == v {
			g.a += sa[0].Count
			sa = sa[1:]
		} else {
			g.b += sb[0].Count
			sb = sb[1:]
		}
	}
	return out
}

// sorted are s's usable samples (a finite value, a positive finite
// count), by value.
func sorted(s []Sample) []Sample {
	out := slices.DeleteFunc(slices.Clone(s), func(x Sample) bool { return !usable(x) })
	slices.SortFunc(out, func(x, y Sample) int { return cmp.Compare(x.Value, y.Value) })
	return out
}

func usable(x Sample) bool { return finite(x.Value) && x.Count > 0 && !math.IsInf(x.Count, 0) }

// total counts the samples the tests use.
func total(s []Sample) float64 {
	n := 0.0
	for _, x := range s {
		if usable(x) {
			n += x.Count
		}
	}
	return n
}

// histogramSamples are h's buckets that hold values, each one sample
// value (its values are alike to the histogram's precision: tied).
func histogramSamples(h *hdr.Histogram) []Sample {
	var out []Sample
	for _, bar := range h.Distribution() {
		if bar.Count > 0 {
			out = append(out, Sample{Value: float64(bar.From), Count: float64(bar.Count)})
		}
	}
	return out
}

// ProportionTest is the two-proportion z test of k1 of n1 against k2 of
// n2 (errors of requests), two-sided, from the pooled proportion.
func ProportionTest(k1, n1, k2, n2 float64) Test {
	t := Test{Name: "two-proportion z", N1: n1, N2: n2, P: 1, Over: "requests"}
	if n1 < MinSamples || n2 < MinSamples || k1 < 0 || k2 < 0 || k1 > n1 || k2 > n2 {
		return t
	}
	t.Run = true
	pooled := (k1 + k2) / (n1 + n2)
	se := math.Sqrt(pooled * (1 - pooled) * (1/n1 + 1/n2))
	if se == 0 { // none failed on either side, or all did
		return t
	}
	t.Higher = cmp.Compare(k2/n2, k1/n1)
	z := math.Abs(k1/n1-k2/n2) / se
	t.P = math.Erfc(z / math.Sqrt2)
	return t
}

// QuantileTest is Mood's test of a quantile, two-sided: the q-quantile of
// a and b pooled splits each side into those at or below it and those
// above, and the two sides' shares at or below are compared as
// proportions. It asks whether the q-quantile moved (a p99 may move while
// the bulk of the distribution does not), and has the power its tail
// gives it: little for a p999 of a few thousand requests.
func QuantileTest(a, b []Sample, q float64) Test {
	gs := groups(a, b)
	n1, n2 := total(a), total(b)
	rank := q * (n1 + n2)
	var k1, k2 float64
	for _, g := range gs {
		k1, k2 = k1+g.a, k2+g.b
		if k1+k2 >= rank {
			break
		}
	}
	t := ProportionTest(k1, n1, k2, n2)
	t.Name, t.Higher = "Mood's quantile test", -t.Higher // fewer at or below: higher
	t.Over = "requests"
	return t
}

// MeanTest is Welch's t test of a's mean against b's, two-sided, with the
// normal approximation (the samples are hundreds and more): whether the
// mean moved, which a few slow requests can move against the bulk of the
// distribution the U test judges.
func MeanTest(a, b []Sample) Test {
	t := Test{Name: "Welch's t", P: 1, Over: "requests"}
	var m1, v1, m2, v2 float64
	t.N1, m1, v1 = moments(a)
	t.N2, m2, v2 = moments(b)
	if t.N1 < MinSamples || t.N2 < MinSamples {
		return t
	}
	t.Run = true
	se := math.Sqrt(v1/t.N1 + v2/t.N2)
	if se == 0 {
		return t
	}
	t.Higher = cmp.Compare(m2, m1)
	t.P = math.Erfc(math.Abs(m2-m1) / se / math.Sqrt2)
	return t
}

// moments are the count, mean and sample variance of s's usable samples.
func moments(s []Sample) (n, mean, variance float64) {
	for _, x := range s {
		if usable(x) {
			n += x.Count
			mean += x.Count * x.Value
		}
	}
	if n < 2 {
		return n, 0, 0
	}
	mean /= n
	for _, x := range s {
		if usable(x) {
			variance += x.Count * (x.Value - mean) * (x.Value - mean)
		}
	}
	return n, mean, variance / (n - 1)
}
