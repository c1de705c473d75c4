package profiles

import "github.com/google/pprof/profile"

// edge is a call from one listed function to another, with functions not
// listed skipped over, as in pprof's graph of the listed nodes.
type edge struct{ from, to string }

// inlineLabels marks the listed functions pprof shows as "(inline)" (every
// call into them in the listing was inlined) or "(partial-inline)" (some
// were). An edge counts as inlined only if every sample's call along it
// was, as pprof merges edges.
func inlineLabels(p *profile.Profile, idx int, listed []*node) map[string]string {
	keep := make(map[string]bool, len(listed))
	for _, nd := range listed {
		keep[nd.name] = true
	}
	inlined := map[edge]bool{}
	for _, s := range p.Sample {
		if s.Value[idx] == 0 {
			continue
		}
		parent := ""
		walk(s, func(name string, in bool) {
			if !keep[name] {
				return
			}
			if e := (edge{parent, name}); parent != "" && parent != name {
				prev, ok := inlined[e]
				inlined[e] = in && (prev || !ok)
			}
			parent = name
		})
	}
	return labels(inlined)
}

// labels turns each function's incoming edges into its label.
func labels(inlined map[edge]bool) map[string]string {
	var in, out = map[string]bool{}, map[string]bool{}
	for e, inl := range inlined {
		if inl {
			in[e.to] = true
		} else {
			out[e.to] = true
		}
	}
	l := map[string]string{}
	for name := range in {
		l[name] = "(inline)"
		if out[name] {
			l[name] = "(partial-inline)"
		}
	}
	return l
}
