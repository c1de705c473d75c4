package monitor

import (
	"fmt"
	"math"
	"slices"

	"github.com/strain-dev/strain/metric"
)

// admit keeps of one sample what a run may store: finite values, under
// names of at most maxNameLen bytes of letters, digits and "_.-" (which
// print anywhere and cannot pass for another scope's), at most
// maxSourceMetrics of them, the first by name. It returns m itself when
// all of it passes, else a new map, and notes saying what it left out, in
// words that do not change from one sample to the next.
func admit(m Metrics) (Metrics, []string) {
	var badName, notFinite int
	for k, v := range m {
		switch {
		case !validName(k):
			badName++
		case math.IsNaN(v) || math.IsInf(v, 0):
			notFinite++
		}
	}
	if badName == 0 && notFinite == 0 && len(m) <= maxSourceMetrics {
		return m, nil
	}
	var notes []string
	if badName > 0 {
		notes = append(notes, fmt.Sprintf("left out metrics whose names are not up to %d letters, digits or _.-", maxNameLen))
	}
	if notFinite > 0 {
		notes = append(notes, "left out values that are not finite numbers")
	}
	names := make([]string, 0, len(m))
	for k, v := range m {
		if validName(k) && !math.IsNaN(v) && !math.IsInf(v, 0) {
			names = append(names, k)
		}
	}
	if len(names) > maxSourceMetrics {
		slices.Sort(names)
		names = names[:maxSourceMetrics]
		notes = append(notes, fmt.Sprintf("more than %d metrics in a sample: kept the first %d by name", maxSourceMetrics, maxSourceMetrics))
	}
	out := make(Metrics, len(names))
	for _, k := range names {
		out[k] = m[k]
	}
	return out, notes
}

// validName reports whether name may name a metric: 1 to maxNameLen bytes
// of ASCII letters, digits and "_.-".
func validName(name string) bool {
	if name == "" || len(name) > maxNameLen {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}

// admitBounds keeps of a sample's bounds those of admitted metrics that
// are a range holding the value (a source's interpolation is never
// outside its bucket; one that says so is broken), copied: the source may
// reuse its map.
func admitBounds(m Metrics, bounds map[string]metric.Bounds) map[string]metric.Bounds {
	var out map[string]metric.Bounds
	for k, b := range bounds {
		v, ok := m[k]
		if !ok || !b.Valid() || v < b.Lo || v > b.Hi {
			continue
		}
		if out == nil {
			out = map[string]metric.Bounds{}
		}
		out[k] = b
	}
	return out
}
