package profiles

import "github.com/google/pprof/profile"

// edge is a call from one listed function to another, with functions not
// listed skipped over, as in pprof's graph of the listed nodes.
type edge struct{ from, to string }

// edgeFraction is pprof's default -edgefraction: edges lighter than this
// share of the total are dropped before the labels are read.
const edgeFraction = 0.001

// inlineLabels marks the listed functions pprof shows as "(inline)" (every
// call into them in the listing was inlined) or "(partial-inline)" (some
// were). An edge counts as inlined only if every sample's call along it
// was, as pprof merges edges; each sample counts an edge once, and an edge
// lighter than edgeFraction of the total is left out, as pprof trims it.
func inlineLabels(p *profile.Profile, idx int, listed []*node) map[string]string {
	keep := make(map[string]bool, len(listed))
	for _, nd := range listed {
		keep[nd.name] = true
	}
	inlined, weight := map[edge]bool{}, map[edge]int64{}
	var total int64
	for _, s := range p.Sample {
		v := s.Value[idx]
		if v == 0 {
			continue
		}
		total += v
		seen := map[edge]bool{}
		parent := ""
		walk(s, func(name string, in bool) {
			if !keep[name] {
				return
			}
			if e := (edge{parent, name}); parent != "" && parent != name && !seen[e] {
				seen[e] = true
				weight[e] += v
				prev, ok := inlined[e]
				inlined[e] = in && (prev || !ok)
			}
			parent = name
		})
	}
	cutoff := abs(int64(float64(total) * edgeFraction))
	for e := range inlined {
		if abs(weight[e]) < cutoff {
			delete(inlined, e)
		}
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
