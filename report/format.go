package report

import (
	"math"
	"strconv"
)

// Seconds formats a duration in seconds with three significant digits and
// the unit that suits it: 87.3µs, 1.20ms, 2.50s.
func Seconds(s float64) string {
	switch a := math.Abs(s); {
	case a == 0:
		return "0s"
	case a < 1e-3:
		return sig3(s*1e6) + "µs"
	case a < 1:
		return sig3(s*1e3) + "ms"
	case a < 600:
		return sig3(s) + "s"
	}
	return sig3(s/60) + "m"
}

// Bytes formats a size with binary units: 512 B, 1.50 KiB, 3.00 MiB.
func Bytes(b float64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB"}
	i := 0
	for ; math.Abs(b) >= 1024 && i < len(units)-1; i++ {
		b /= 1024
	}
	if i == 0 {
		return strconv.FormatFloat(b, 'f', 0, 64) + " B"
	}
	return sig3(b) + " " + units[i]
}

// Number formats a count or rate: whole numbers as they are, others with
// one decimal.
func Number(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}

// sig3 formats v with three significant digits, keeping trailing zeros.
func sig3(v float64) string {
	digits := 2 - int(math.Floor(math.Log10(math.Abs(v))))
	if digits < 0 {
		digits = 0
	}
	return strconv.FormatFloat(v, 'f', digits, 64)
}
