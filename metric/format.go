package metric

import (
	"math"
	"strconv"
)

// Format writes a metric's value in its unit, the one way strain prints
// it on the dashboard, in alerts and in every report: durations and sizes
// with three significant digits (87.3µs, 101ms, 31.2 MiB), ratios in
// percent with two decimals (0.05%), percentages whole (155%), counts and
// rates as Number does. A summary (NAME.max…) prints as its series does.
func Format(name string, v float64) string {
	return FormatUnit(UnitOf(name), v)
}

// FormatUnit writes v in unit u, as Format does.
func FormatUnit(u Unit, v float64) string {
	switch u {
	case Seconds:
		return FormatSeconds(v)
	case Bytes:
		return FormatBytes(v)
	case Ratio:
		return strconv.FormatFloat(v*100, 'f', 2, 64) + "%"
	case Percent:
		return strconv.FormatFloat(v, 'f', 0, 64) + "%"
	case Count, Rate:
		return FormatNumber(v)
	}
	return sig3(v)
}

// FormatPerSecond formats a rate of requests: whole ones from 100 up.
func FormatPerSecond(v float64) string {
	if math.Abs(v) >= 100 {
		v = math.Round(v)
	}
	return FormatNumber(v) + " req/s"
}

// FormatSeconds formats a duration in seconds with three significant
// digits and the unit that suits it: 192ns, 87.3µs, 1.20ms, 2.50s, 12.0m.
func FormatSeconds(s float64) string {
	switch a := math.Abs(s); {
	case a == 0:
		return "0s"
	case a < 1e-6:
		return sig3(s*1e9) + "ns"
	case a < 1e-3:
		return sig3(s*1e6) + "µs"
	case a < 1:
		return sig3(s*1e3) + "ms"
	case a < 600:
		return sig3(s) + "s"
	}
	return sig3(s/60) + "m"
}

// FormatBytes formats a size with binary units: 512 B, 1.50 KiB, 3.00 MiB.
func FormatBytes(b float64) string {
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

// FormatNumber formats a count or rate: whole numbers as they are, others
// with one decimal.
func FormatNumber(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}

// sig3 formats v with three significant digits, keeping trailing zeros;
// values of 1000 and more keep all their whole digits.
func sig3(v float64) string {
	if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	digits := 2 - int(math.Floor(math.Log10(math.Abs(v))))
	if digits < 0 {
		digits = 0
	}
	return strconv.FormatFloat(v, 'f', digits, 64)
}
