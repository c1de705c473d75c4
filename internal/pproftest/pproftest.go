// Package pproftest builds small pprof profiles for tests: stacks named
// frame by frame, each with its value, as a profile `go tool pprof` reads.
package pproftest

import (
	"strings"

	"github.com/google/pprof/profile"
)

// Profile is a profile of one sample type whose samples are stacks, each
// its functions from the root to the leaf joined by ";", with its value.
// A function may name its file after an "@": "blockTheLoop@/srv/app.js".
func Profile(sampleType, unit string, stacks map[string]int64) *profile.Profile {
	p := &profile.Profile{SampleType: []*profile.ValueType{{Type: sampleType, Unit: unit}}}
	fns := map[string]*profile.Function{}
	for stack, v := range stacks {
		names := strings.Split(stack, ";")
		var locs []*profile.Location
		for i := len(names) - 1; i >= 0; i-- { // the leaf first
			f := fns[names[i]]
			if f == nil {
				name, file, _ := strings.Cut(names[i], "@")
				f = &profile.Function{ID: uint64(len(fns) + 1), Name: name, Filename: file}
				fns[names[i]] = f
				p.Function = append(p.Function, f)
			}
			l := &profile.Location{ID: uint64(len(p.Location) + 1), Line: []profile.Line{{Function: f}}}
			p.Location = append(p.Location, l)
			locs = append(locs, l)
		}
		p.Sample = append(p.Sample, &profile.Sample{Location: locs, Value: []int64{v}})
	}
	return p
}
