package flame

import (
	"encoding/binary"
	"fmt"

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
	// Stacks are told apart by their functions' IDs, which Merge made one
	// for both dumps: a key a few bytes a call, where names would be the
	// whole stack's text each.
	type change struct {
		sample *profile.Sample
		net    int64
	}
	net := map[string]*change{}
	var order []*change // first seen first, so the tree is the same each time
	for _, s := range d.Sample {
		if idx >= len(s.Value) {
			continue
		}
		k := key(s)
		c := net[k]
		if c == nil {
			c = &change{sample: s}
			net[k] = c
			order = append(order, c)
		}
		c.net += s.Value[idx]
	}
	g := &Graph{SampleType: d.SampleType[idx].Type, Unit: d.SampleType[idx].Unit, Root: &Node{Name: "root"}}
	b := newBuilder(g.Root)
	for _, c := range order {
		if c.net > 0 {
			g.Cut += b.add(stack(c.sample), c.net)
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

// key names a sample's stack by its functions (a location without them,
// by its own ID), root or leaf order alike.
func key(s *profile.Sample) string {
	var b []byte
	for _, l := range s.Location {
		if len(l.Line) == 0 {
			b = binary.AppendUvarint(append(b, 'l'), l.ID)
		}
		for _, ln := range l.Line {
			if ln.Function == nil {
				b = binary.AppendUvarint(append(b, 'l'), l.ID)
				continue
			}
			b = binary.AppendUvarint(append(b, 'f'), ln.Function.ID)
		}
	}
	return string(b)
}
