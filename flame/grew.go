package flame

import (
	"fmt"
	"strings"

	"github.com/google/pprof/profile"
	"github.com/strain-dev/strain/profiles"
)

// Grew is what grew from base to newer, by stack: pprof's -diff_base
// (base's samples scaled by -1 and merged with newer's, profiles.Diff),
// then each stack's net change, and the tree of the stacks that gained.
// Its root's value is the sum of their gains; stacks that lost are left
// out, as a leak is what stayed. Both must be of one sample type, as two
// goroutine dumps are.
func Grew(base, newer *profile.Profile) (*Graph, error) {
	d, err := profiles.Diff(base, newer)
	if err != nil {
		return nil, err
	}
	idx, err := d.SampleIndexByName("")
	if err != nil {
		return nil, fmt.Errorf("flame: %w", err)
	}
	net := map[string]int64{}
	var order []string // first seen first, so the tree is the same each time
	for _, s := range d.Sample {
		if idx >= len(s.Value) {
			continue
		}
		k := strings.Join(stack(s), "\n")
		if _, ok := net[k]; !ok {
			order = append(order, k)
		}
		net[k] += s.Value[idx]
	}
	g := &Graph{SampleType: d.SampleType[idx].Type, Unit: d.SampleType[idx].Unit, Root: &Node{Name: "root"}}
	b := newBuilder(g.Root)
	for _, k := range order {
		if v := net[k]; v > 0 {
			var frames []string
			if k != "" {
				frames = strings.Split(k, "\n")
			}
			g.Deep += b.add(frames, v)
		}
	}
	b.finish()
	l, err := profiles.Compare(base, newer)
	if err != nil {
		return nil, fmt.Errorf("flame: %w", err)
	}
	g.Base, g.New, g.Units = l.Base, l.New, units(newer)
	for _, st := range l.Stacks[:min(len(l.Stacks), maxGroups)] {
		g.Groups = append(g.Groups, group(st.Frames, st.Base, st.New))
	}
	return g, nil
}
