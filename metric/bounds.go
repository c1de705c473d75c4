package metric

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
)

// Bounds are where a value read from a histogram's buckets truly lies:
// the edges of the bucket that holds it. A p99 interpolated as 10.1ms in
// a bucket of 918µs–10.5ms is that range, not three significant digits.
// In JSON, Bounds are a pair: [lo, hi].
type Bounds struct {
	Lo, Hi float64
}

// Exact is a value's bounds when it is known exactly: both edges on it.
func Exact(v float64) Bounds { return Bounds{v, v} }

// Valid reports whether b is a range at all: finite edges, Lo ≤ Hi.
func (b Bounds) Valid() bool {
	return !math.IsNaN(b.Lo) && !math.IsNaN(b.Hi) && !math.IsInf(b.Lo, 0) && !math.IsInf(b.Hi, 0) && b.Lo <= b.Hi
}

// Width is how many times Hi is Lo: 1 for an exact value, +Inf from zero.
func (b Bounds) Width() float64 {
	if b.Hi == b.Lo {
		return 1
	}
	return b.Hi / b.Lo
}

// MarshalJSON writes b as [lo, hi].
func (b Bounds) MarshalJSON() ([]byte, error) {
	if !b.Valid() {
		return nil, errors.New("bounds: not a finite range")
	}
	return json.Marshal([2]float64{b.Lo, b.Hi})
}

// UnmarshalJSON reads [lo, hi].
func (b *Bounds) UnmarshalJSON(data []byte) error {
	var pair [2]float64
	if err := json.Unmarshal(data, &pair); err != nil {
		return err
	}
	b.Lo, b.Hi = pair[0], pair[1]
	if !b.Valid() {
		return errors.New("bounds: want [lo, hi] with lo ≤ hi")
	}
	return nil
}

// FormatRange writes a bounded value of metric name as its range, in its
// unit: "918µs–10.5ms"; an exact one as Format does.
func FormatRange(name string, b Bounds) string {
	if b.Lo == b.Hi {
		return Format(name, b.Lo)
	}
	lo, hi := Format(name, b.Lo), Format(name, b.Hi)
	if u := commonSuffix(lo, hi); u != "" && strings.TrimSuffix(lo, u) != "" {
		lo = strings.TrimSuffix(lo, u) // "0.92–10.5ms" reads as one unit
		if strings.HasSuffix(lo, " ") {
			lo = strings.TrimSuffix(lo, " ")
		}
	}
	return lo + "–" + hi
}

// FormatBetween writes a bounded value for a sentence: "between 918µs and
// 10.5ms"; an exact one as Format does.
func FormatBetween(name string, b Bounds) string {
	if b.Lo == b.Hi {
		return Format(name, b.Lo)
	}
	return "between " + Format(name, b.Lo) + " and " + Format(name, b.Hi)
}

// commonSuffix is the unit two formatted values share ("ms", " MiB", "%"),
// "" when they have none in common.
func commonSuffix(a, b string) string {
	unit := func(s string) string {
		return strings.TrimLeft(s, "-0123456789.")
	}
	if ua := unit(a); ua != "" && ua == unit(b) {
		return ua
	}
	return ""
}
