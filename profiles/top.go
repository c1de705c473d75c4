package profiles

import (
	"cmp"
	"errors"
	"fmt"
	"path/filepath"
	"slices"

	"github.com/google/pprof/profile"
)

// nodeFraction is pprof's default -nodefraction: functions whose cum is
// below this share of the profile are left out of a listing.
const nodeFraction = 0.005

// Row is one function in a top listing.
type Row struct {
	Name      string
	Flat, Cum int64 // in the sample type's unit
	// FlatPct, SumPct and CumPct are percentages of the Table's Total;
	// SumPct runs over the rows so far.
	FlatPct, SumPct, CumPct float64
	// Inline is "(inline)" or "(partial-inline)" when the function was
	// inlined into all or some of its callers, as pprof marks it.
	Inline string
}

// Table is a top listing of one sample type.
type Table struct {
	SampleType string // "cpu", "inuse_space", "goroutine"…
	Unit       string // "nanoseconds", "bytes", "count"…
	Total      int64  // of every sample (of the base's, in a diff)
	Functions  int    // functions above pprof's node fraction, before the cut to n
	Rows       []Row
}

// node is one function's running totals.
type node struct {
	name      string
	flat, cum int64
}

// Top lists the n functions (all when n <= 0) with the most flat, or with
// cum the most cumulative, of the sample type named sampleIndex (a name or
// an index; "" for the profile's default), as `go tool pprof -top
// -nodecount=n` does: functions whose cum is under 0.5% of the whole are
// left out, a function counts once per sample however often it recurses,
// and an inlined function is a function of its own. Names are those the
// profile holds: for a cgo or -race binary, pprof may symbolize again from
// the binary if it is still on disk, and it demangles C++ names; Top does
// neither, as pprof with -symbolize=none.
func Top(p *profile.Profile, sampleIndex string, n int, cum bool) (*Table, error) {
	if len(p.SampleType) == 0 {
		return nil, errors.New("top: the profile has no sample types")
	}
	idx, err := p.SampleIndexByName(sampleIndex)
	if err != nil {
		return nil, fmt.Errorf("top: %w", err)
	}
	nodes := cut(tally(p, idx))
	sortNodes(nodes, cum)
	t := &Table{SampleType: p.SampleType[idx].Type, Unit: p.SampleType[idx].Unit,
		Total: total(p, idx), Functions: len(nodes)}
	if n > 0 && len(nodes) > n {
		nodes = nodes[:n]
	}
	t.Rows = rows(nodes, t.Total, inlineLabels(p, idx, nodes))
	return t, nil
}

// tally sums each function's flat and cum over p's samples. A sample's
// frames are walked from the root, each location's inlined functions
// outermost first, as pprof builds its graph; the innermost takes flat.
func tally(p *profile.Profile, idx int) map[string]*node {
	nodes := map[string]*node{}
	seen := map[string]bool{}
	for _, s := range p.Sample {
		v := s.Value[idx]
		if v == 0 {
			continue
		}
		clear(seen)
		var leaf *node
		walk(s, func(name string, _ bool) {
			nd := nodes[name]
			if nd == nil {
				nd = &node{name: name}
				nodes[name] = nd
			}
			if !seen[name] {
				seen[name] = true
				nd.cum += v
			}
			leaf = nd
		})
		if leaf != nil {
			leaf.flat += v
		}
	}
	return nodes
}

// walk calls f for each function of s from the root to the leaf, saying
// whether it was inlined into the function before it.
func walk(s *profile.Sample, f func(name string, inlined bool)) {
	for i := len(s.Location) - 1; i >= 0; i-- {
		names := FrameNames(s.Location[i])
		for j := len(names) - 1; j >= 0; j-- {
			f(names[j], j != len(names)-1)
		}
	}
}

// FrameNames are the functions of a location, innermost first (a location
// holds a call and the calls inlined into it); a location without symbols
// is named for its binary, as pprof does.
func FrameNames(l *profile.Location) []string {
	if len(l.Line) == 0 {
		return []string{unnamed(l)}
	}
	names := make([]string, len(l.Line))
	for i, ln := range l.Line {
		if ln.Function == nil || ln.Function.Name == "" {
			names[i] = unnamed(l)
			continue
		}
		names[i] = ln.Function.Name
	}
	return names
}

func unnamed(l *profile.Location) string {
	if l.Mapping != nil && l.Mapping.File != "" {
		return "[" + filepath.Base(l.Mapping.File) + "]"
	}
	return "<unknown>"
}

// cut drops functions with nothing to show and those whose cum is below
// the node fraction of the sum of flats, pprof's trimming.
func cut(nodes map[string]*node) []*node {
	var sum int64
	for _, nd := range nodes {
		sum += nd.flat
	}
	cutoff := abs(int64(float64(sum) * nodeFraction))
	var kept []*node
	for _, nd := range nodes {
		if (nd.flat != 0 || nd.cum != 0) && abs(nd.cum) >= cutoff {
			kept = append(kept, nd)
		}
	}
	return kept
}

// sortNodes orders nodes as pprof's FlatNameOrder or CumNameOrder: by
// absolute flat (or cum), then by name, then by the other value.
func sortNodes(nodes []*node, byCum bool) {
	slices.SortFunc(nodes, func(a, b *node) int {
		first, second := cmp.Compare(abs(b.flat), abs(a.flat)), cmp.Compare(abs(b.cum), abs(a.cum))
		if byCum {
			first, second = second, first
		}
		return cmp.Or(first, cmp.Compare(a.name, b.name), second)
	})
}

// total is pprof's total: the sum of absolute values of every sample, or
// of the base's samples only in a diff, so a diff reads as a share of the
// base.
func total(p *profile.Profile, idx int) int64 {
	var all, base int64
	for _, s := range p.Sample {
		v := abs(s.Value[idx])
		all += v
		if s.DiffBaseSample() {
			base += v
		}
	}
	if base > 0 {
		return base
	}
	return all
}

func rows(nodes []*node, total int64, inline map[string]string) []Row {
	out := make([]Row, len(nodes))
	var sum int64
	for i, nd := range nodes {
		sum += nd.flat
		out[i] = Row{Name: nd.name, Flat: nd.flat, Cum: nd.cum, Inline: inline[nd.name],
			FlatPct: pct(nd.flat, total), SumPct: pct(sum, total), CumPct: pct(nd.cum, total)}
	}
	return out
}

func pct(v, total int64) float64 {
	if total == 0 {
		return 0
	}
	return 100 * float64(v) / float64(total)
}

func abs(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}
