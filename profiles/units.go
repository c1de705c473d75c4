package profiles

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// This file formats values as `go tool pprof` does (its internal
// measurement package), so that a listing reads the same in both.

// unit is one unit of measurement and its size in the base unit.
type unit struct {
	name    string
	aliases []string
	factor  float64
}

// unitType is a family of units and the one to fall back on.
type unitType struct {
	units []unit
	def   unit
}

var unitTypes = []unitType{{
	units: []unit{
		{"B", []string{"b", "byte"}, 1},
		{"kB", []string{"kb", "kbyte", "kilobyte"}, 1 << 10},
		{"MB", []string{"mb", "mbyte", "megabyte"}, 1 << 20},
		{"GB", []string{"gb", "gbyte", "gigabyte"}, 1 << 30},
		{"TB", []string{"tb", "tbyte", "terabyte"}, 1 << 40},
		{"PB", []string{"pb", "pbyte", "petabyte"}, 1 << 50},
	},
	def: unit{"B", nil, 1},
}, {
	units: []unit{
		{"ns", []string{"ns", "nanosecond"}, float64(time.Nanosecond)},
		{"us", []string{"μs", "us", "microsecond"}, float64(time.Microsecond)},
		{"ms", []string{"ms", "millisecond"}, float64(time.Millisecond)},
		{"s", []string{"s", "sec", "second"}, float64(time.Second)},
		{"hrs", []string{"hour", "hr"}, float64(time.Hour)},
	},
	def: unit{"s", nil, float64(time.Second)},
}}

// sniff finds the unit a profile's unit string names ("nanoseconds").
func (ut unitType) sniff(s string) *unit {
	s = strings.ToLower(s)
	if utf8.RuneCountInString(s) > 2 {
		s = strings.TrimSuffix(s, "s")
	}
	for i, u := range ut.units {
		if slices.Contains(u.aliases, s) {
			return &ut.units[i]
		}
	}
	return nil
}

// convert scales v from one unit to another of the family, or to the
// largest unit v reaches when to is "minimum".
func (ut unitType) convert(v int64, from, to string) (float64, string, bool) {
	fu := ut.sniff(from)
	if fu == nil {
		return 0, "", false
	}
	x := float64(v) * fu.factor
	if to == "minimum" {
		best := unit{}
		for _, u := range ut.units {
			if u.factor >= best.factor && x/u.factor >= 1 {
				best = u
			}
		}
		if best.factor == 0 {
			best = ut.def
		}
		return x / best.factor, best.name, true
	}
	if tu := ut.sniff(to); tu != nil {
		return x / tu.factor, tu.name, true
	}
	return x / ut.def.factor, ut.def.name, true
}

// scale converts v from one unit to another; the unit it returns is
// empty for plain counts.
func scale(v int64, from, to string) (float64, string) {
	if v < 0 && -v > 0 {
		x, u := scale(-v, from, to)
		return -x, u
	}
	for _, ut := range unitTypes {
		if x, u, ok := ut.convert(v, from, to); ok {
			return x, u
		}
	}
	switch to {
	case "count", "sample", "unit", "minimum", "auto":
		return float64(v), ""
	}
	return float64(v), to
}

// label formats v, in unit from, in unit to: "1.23s", "512kB", "500".
func label(v int64, from, to string) string {
	x, u := scale(v, from, to)
	s := strings.TrimSuffix(fmt.Sprintf("%.2f", x), ".00")
	if s == "0" || s == "-0" {
		return "0"
	}
	return s + u
}

// outputUnit picks the unit a listing shows its values in: the one that
// suits its smallest value, unless that is a hundredth of the total or
// less, when a larger one keeps the numbers short.
func outputUnit(rows []Row, total int64, sampleUnit string) string {
	if len(rows) == 0 {
		return "minimum"
	}
	var lo int64
	for _, r := range rows {
		v := abs(r.Flat)
		if v == 0 {
			v = abs(r.Cum)
		}
		if v > 0 && (lo == 0 || v < lo) {
			lo = v
		}
	}
	if lo == 0 {
		lo = total
	}
	_, loUnit := scale(lo, sampleUnit, "minimum")
	_, hiUnit := scale(total, sampleUnit, "minimum")
	u := loUnit
	if loUnit != hiUnit && lo*100 < total {
		_, u = scale(100*lo, sampleUnit, "minimum")
	}
	if u == "" {
		return sampleUnit
	}
	return u
}

// percentage formats v's share of total as pprof prints it.
func percentage(v, total int64) string {
	var r float64
	if total != 0 {
		r = math.Abs(float64(v)/float64(total)) * 100
	}
	switch {
	case r >= 99.95 && r <= 100.05:
		return "  100%"
	case r >= 1:
		return fmt.Sprintf("%5.2f%%", r)
	}
	return fmt.Sprintf("%5.2g%%", r)
}
