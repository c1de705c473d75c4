package loadgen

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// sizeUnits are the suffixes ParseSize takes, in any case: binary
// (KiB = 1024) and decimal (kB = 1000).
var sizeUnits = map[string]float64{
	"": 1, "b": 1,
	"kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30, "tib": 1 << 40,
	"kb": 1e3, "mb": 1e6, "gb": 1e9, "tb": 1e12,
}

// ParseSize parses a size in bytes: a number with an optional unit, B,
// KiB, MiB, GiB, TiB (powers of 1024) or kB, MB, GB, TB (powers of 1000),
// as in "4194304", "512KiB", "1.5MB". A fraction of a byte is dropped; a
// negative size parses, for the caller to judge.
func ParseSize(s string) (int64, error) {
	s = strings.TrimSpace(s)
	unit := strings.TrimLeft(s, "+-0123456789.")
	num := s[:len(s)-len(unit)]
	mult, ok := sizeUnits[strings.ToLower(strings.TrimSpace(unit))]
	if !ok {
		return 0, fmt.Errorf("size %q: unknown unit %q (B, KiB, MiB, GiB, TiB, kB, MB, GB, TB)", s, unit)
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0, fmt.Errorf("size %q: want a number of bytes with an optional unit, e.g. 512KiB", s)
	}
	if v *= mult; math.Abs(v) >= math.MaxInt64 {
		return 0, fmt.Errorf("size %q is too large", s)
	}
	return int64(v), nil
}
