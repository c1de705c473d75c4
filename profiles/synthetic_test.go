package profiles

import (
	"strings"

	"github.com/google/pprof/profile"
)

// sample is one synthetic sample: its value and its stack, innermost
// first. A frame "a+b" is one location where a was inlined into b.
type sample struct {
	v     int64
	stack []string
}

// synthetic builds a profile of one sample type from samples.
func synthetic(typ, unit string, samples ...sample) *profile.Profile {
	m := &profile.Mapping{ID: 1, File: "/bin/app", HasFunctions: true}
	p := &profile.Profile{
		SampleType: []*profile.ValueType{{Type: typ, Unit: unit}},
		PeriodType: &profile.ValueType{Type: typ, Unit: unit},
		Mapping:    []*profile.Mapping{m},
	}
	funcs, locs := map[string]*profile.Function{}, map[string]*profile.Location{}
	fn := func(name string) *profile.Function {
		if f := funcs[name]; f != nil {
			return f
		}
		f := &profile.Function{ID: uint64(len(p.Function) + 1), Name: name, SystemName: name, Filename: name + ".go"}
		funcs[name] = f
		p.Function = append(p.Function, f)
		return f
	}
	loc := func(frame string) *profile.Location {
		if l := locs[frame]; l != nil {
			return l
		}
		l := &profile.Location{ID: uint64(len(p.Location) + 1), Mapping: m, Address: uint64(0x1000 * (len(p.Location) + 1))}
		for i, name := range strings.Split(frame, "+") {
			l.Line = append(l.Line, profile.Line{Function: fn(name), Line: int64(10 + i)})
		}
		locs[frame] = l
		p.Location = append(p.Location, l)
		return l
	}
	for _, s := range samples {
		ps := &profile.Sample{Value: []int64{s.v}}
		for _, frame := range s.stack {
			ps.Location = append(ps.Location, loc(frame))
		}
		p.Sample = append(p.Sample, ps)
	}
	return p
}

// goroutines builds a goroutine profile: count goroutines in each stack.
func goroutines(samples ...sample) *profile.Profile {
	return synthetic("goroutine", "count", samples...)
}
