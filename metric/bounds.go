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

// Valid reports whether b is a range at all: a finite lower edge, an
// upper one at or above it, +Inf for a value known only to be at least Lo
// (one in a histogram's +Inf bucket).
func (b Bounds) Valid() bool {
	return !math.IsNaN(b.Lo) && !math.IsNaN(b.Hi) && !math.IsInf(b.Lo, 0) && !math.IsInf(b.Hi, -1) && b.Lo <= b.Hi
}

// Exact reports whether b is one value.
func (b Bounds) Exact() bool { return b.Lo == b.Hi }

// Width is how many times Hi is Lo: 1 for an exact value, +Inf from zero
// or with no bound above.
func (b Bounds) Width() float64 {
	if b.Hi == b.Lo {
		return 1
	}
	return b.Hi / b.Lo
}

// MarshalJSON writes b as [lo, hi], or [lo, null] with no bound above.
func (b Bounds) MarshalJSON() ([]byte, error) {
	if !b.Valid() {
		return nil, errors.New("bounds: not a range")
	}
	if math.IsInf(b.Hi, 1) {
		return json.Marshal([2]any{b.Lo, nil})
	}
	return json.Marshal([2]float64{b.Lo, b.Hi})
}

// UnmarshalJSON reads [lo, hi], or [lo, null].
func (b *Bounds) UnmarshalJSON(data []byte) error {
	var pair [2]*float64
	if err := json.Unmarshal(data, &pair); err != nil {
		return err
	}
	if pair[0] == nil {
		return errors.New("bounds: want [lo, hi] with lo ≤ hi")
	}
	b.Lo, b.Hi = *pair[0], math.Inf(1)
	if pair[1] != nil {
		b.Hi = *pair[1]
	}
	if !b.Valid() {
		return errors.New("bounds: want [lo, hi] with lo ≤ hi")
	}
	return nil
}

// FormatRange writes a bounded value of metric name as its range, in its
// unit: "918µs–10.5ms"; an exact one as Format does.
func FormatRange(name string, b Bounds) string {
	switch {
	case b.Lo == b.Hi:
		return Format(name, b.Lo)
	case math.IsInf(b.Hi, 1):
		return "≥" + Format(name, b.Lo)
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
	switch {
	case b.Lo == b.Hi:
		return Format(name, b.Lo)
	case math.IsInf(b.Hi, 1):
		return "at least " + Format(name, b.Lo)
	}
	return "between " + Format(name, b.Lo) + " and " + Format(name, b.Hi)
}

// FormatIn writes metric name's value v in its unit, or, where bounds
// hold a range for it (a value read from buckets), that range: the one
// way every output prints a figure that may be bounded.
func FormatIn(name string, v float64, bounds map[string]Bounds) string {
	if b, ok := bounds[name]; ok && !b.Exact() {
		return FormatRange(name, b)
	}
	return Format(name, v)
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
