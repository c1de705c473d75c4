package alert

import (
	"strconv"
	"strings"
)

// FormatValue writes a metric's value in its natural unit: 12.3ms,
// 1.50 MiB, 4.2%, 1234.
func FormatValue(metric string, v float64) string {
	k, _ := NewCatalogue().Lookup(metric, true)
	switch k {
	case Seconds:
		return seconds(v)
	case Bytes:
		return bytes(v)
	case Ratio:
		return strconv.FormatFloat(v*100, 'f', 2, 64) + "%"
	case Percent:
		return strconv.FormatFloat(v, 'f', 1, 64) + "%"
	}
	if v == float64(int64(v)) {
		return strconv.FormatInt(int64(v), 10)
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}

func seconds(s float64) string {
	switch {
	case s >= 1:
		return trim(strconv.FormatFloat(s, 'f', 3, 64)) + "s"
	case s >= 1e-3:
		return trim(strconv.FormatFloat(s*1e3, 'f', 3, 64)) + "ms"
	}
	return trim(strconv.FormatFloat(s*1e6, 'f', 1, 64)) + "µs"
}

func bytes(b float64) string {
	for _, u := range []struct {
		name string
		size float64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if b >= u.size {
			return strconv.FormatFloat(b/u.size, 'f', 2, 64) + " " + u.name
		}
	}
	return strconv.FormatFloat(b, 'f', 0, 64) + " B"
}

func trim(s string) string {
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}
