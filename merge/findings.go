package merge

import (
	"cmp"
	"slices"
	"time"

	"github.com/strain-dev/strain/report"
)

// findings are the segments' findings on the merged timeline, one per
// problem: the segments watched the same targets, so a kind on a target
// that two of them saw at overlapping times is one problem, kept once, as
// its most severe finding. Each segment's generator is its own, so its
// saturation is its own finding. The most severe come first, then the
// earliest, as diagnosis orders them.
func findings(reps []*report.Report, start time.Time) []report.Finding {
	out := []report.Finding{}
	from := []int{} // the segment each of out came from
	for si, r := range reps {
		shift := r.Started.Sub(start).Seconds()
		for _, f := range r.Findings {
			f.Start, f.End = f.Start+shift, f.End+shift
			i := seen(out, from, f, si)
			switch {
			case i < 0:
				out, from = append(out, f), append(from, si)
			case f.Severity.Rank() > out[i].Severity.Rank():
				out[i], from[i] = f, si
			}
		}
	}
	slices.SortStableFunc(out, func(a, b report.Finding) int {
		if d := b.Severity.Rank() - a.Severity.Rank(); d != 0 {
			return d
		}
		return cmp.Compare(a.Start, b.Start)
	})
	return out
}

// seen is the index in out of the problem f is, as another segment
// than si saw it; -1 when none did.
func seen(out []report.Finding, from []int, f report.Finding, si int) int {
	if f.Kind == report.GeneratorSaturated {
		return -1
	}
	for i, g := range out {
		if from[i] != si && samePart(g, f) {
			return i
		}
	}
	return -1
}

// samePart reports whether a and b are of one kind on one target, at
// overlapping times.
func samePart(a, b report.Finding) bool {
	return a.Kind == b.Kind && a.Target == b.Target && a.Start <= b.End && b.Start <= a.End
}

// diagnosed reports whether diagnosis judged any segment: its summary
// counts findings. Without it, a gate on findings has no data.
func diagnosed(reps []*report.Report) bool {
	for _, r := range reps {
		if _, ok := r.Summary["findings."+string(report.Critical)]; ok {
			return true
		}
	}
	return false
}
