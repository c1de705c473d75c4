package merge

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/strain-dev/strain/alert"
	"github.com/strain-dev/strain/loadgen"
	"github.com/strain-dev/strain/metric"
	"github.com/strain-dev/strain/report"
)

// Options are how to merge.
type Options struct {
	// Gates judge the merged summary, once.
	Gates []*alert.Gate
	// AllowPartial merges the segments present when some are missing or
	// were interrupted, and marks the report partial; without it, that
	// is an error.
	AllowPartial bool
}

// sums are the load's counts, added across segments.
var sums = []string{"requests", "errors", "bytes_in", "bytes_out", "messages", "dropped", "late", "unfinished"}

// Reports merges the reports of one load's segments. Its errors are the
// inputs': a report that is not a segment's, segments of different
// splits or loads, one given twice, and (without AllowPartial) one
// missing or interrupted.
func Reports(reps []*report.Report, opt Options) (*report.Report, error) {
	present, missing, err := check(reps, opt.AllowPartial)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(present, func(a, b *report.Report) int { return a.Segment.Index - b.Segment.Index })
	out := report.New()
	out.Merged = &report.Merged{Count: present[0].Segment.Count, Missing: missing, Partial: len(missing) > 0}
	start, end := span(present)
	out.Started, out.DurationSeconds = start, end.Sub(start).Seconds()
	out.Load = mergedLoad(present)
	for _, r := range present {
		out.Merged.Segments = append(out.Merged.Segments, r.Segment.Index)
		addCounts(out, r)
	}
	if err := summarize(out, present); err != nil {
		return nil, err
	}
	if out.Series, err = series(present, start); err != nil {
		return nil, err
	}
	out.Summarize("throughput", "inflight", "oldest_inflight", "rate", "concurrency")
	addTheRest(out, present, start)
	for _, m := range missing {
		out.Warnings = append(out.Warnings, fmt.Sprintf("segment %d/%d is missing or was interrupted: the counts are those of the others", m, out.Merged.Count))
	}
	out.Passed = !out.Interrupted
	alert.Judge(out, opt.Gates)
	return out, nil
}

// check makes sure reps are the segments of one load, and says which of
// its segments are present (not interrupted) and which are missing.
func check(reps []*report.Report, partial bool) (present []*report.Report, missing []int, err error) {
	if len(reps) == 0 {
		return nil, nil, errors.New("no report to merge")
	}
	var count int
	ran := map[int]bool{} // by segment given: whether it ran to its end
	for i, r := range reps {
		var given bool
		if r.Segment != nil {
			_, given = ran[r.Segment.Index]
		}
		switch {
		case r.Segment == nil:
			return nil, nil, fmt.Errorf("report %d is not a segment's (strain run --segment I/N)", i+1)
		case count != 0 && r.Segment.Count != count:
			return nil, nil, fmt.Errorf("report %d is segment %d/%d; the others are of %d", i+1, r.Segment.Index, r.Segment.Count, count)
		case r.Segment.Index < 0 || r.Segment.Index >= r.Segment.Count:
			return nil, nil, fmt.Errorf("report %d: segment %d/%d is out of range", i+1, r.Segment.Index, r.Segment.Count)
		case given:
			return nil, nil, fmt.Errorf("segment %d/%d is given twice", r.Segment.Index, r.Segment.Count)
		case !slices.Equal(r.Load.Targets, reps[0].Load.Targets) || r.Load.Model != reps[0].Load.Model:
			return nil, nil, fmt.Errorf("segment %d/%d ran another load (%s, %s) than segment %d/%d", r.Segment.Index, r.Segment.Count,
				r.Load.Model, strings.Join(r.Load.Targets, " "), reps[0].Segment.Index, reps[0].Segment.Count)
		}
		count = r.Segment.Count
		ran[r.Segment.Index] = !r.Interrupted
		if r.Interrupted {
			if !partial {
				return nil, nil, fmt.Errorf("segment %d/%d was interrupted: merge the others with --allow-partial", r.Segment.Index, count)
			}
			continue
		}
		present = append(present, r)
	}
	for i := range count {
		if !ran[i] {
			missing = append(missing, i)
		}
	}
	if err := together(reps); err != nil {
		return nil, nil, err
	}
	switch {
	case len(missing) > 0 && !partial:
		return nil, nil, fmt.Errorf("segment %d/%d is missing: merge the others with --allow-partial", missing[0], count)
	case len(present) == 0:
		return nil, nil, errors.New("no segment ran to its end")
	}
	return present, missing, nil
}

// together makes sure the segments ran at the same time: each started
// within half the shortest run of the first to start. A report left from
// an earlier run would otherwise merge into a whole that never ran.
func together(reps []*report.Report) error {
	first, shortest := reps[0], reps[0].DurationSeconds
	for _, r := range reps {
		if r.Started.Before(first.Started) {
			first = r
		}
		shortest = min(shortest, r.DurationSeconds)
	}
	for _, r := range reps {
		if gap := r.Started.Sub(first.Started).Seconds(); gap > max(shortest/2, 1) {
			return fmt.Errorf("segment %d/%d started %.1fs after segment %d/%d: segments of different runs? (--start-at starts them together)",
				r.Segment.Index, r.Segment.Count, gap, first.Segment.Index, first.Segment.Count)
		}
	}
	return nil
}

// span is when the first segment started and the last ended.
func span(reps []*report.Report) (start, end time.Time) {
	for i, r := range reps {
		e := r.Started.Add(time.Duration(r.DurationSeconds * float64(time.Second)))
		if i == 0 || r.Started.Before(start) {
			start = r.Started
		}
		if i == 0 || e.After(end) {
			end = e
		}
	}
	return start, end
}

// mergedLoad is the whole load: the segments' rates and concurrencies
// added up, their stages' targets too.
func mergedLoad(reps []*report.Report) report.Load {
	l := reps[0].Load
	l.Stages = slices.Clone(l.Stages)
	l.Changes = nil
	for _, r := range reps[1:] {
		l.Rate += r.Load.Rate
		l.Concurrency += r.Load.Concurrency
		l.Requests += r.Load.Requests
		for i := range min(len(l.Stages), len(r.Load.Stages)) {
			l.Stages[i].Target += r.Load.Stages[i].Target
		}
	}
	return l
}

// addCounts adds a segment's counts and status codes to out.
func addCounts(out, r *report.Report) {
	for _, k := range sums {
		if v, ok := r.Summary[k]; ok {
			out.Summary[k] += v
		}
	}
	for k, n := range r.StatusCodes {
		out.StatusCodes[k] += n
	}
	for k, n := range r.ErrorsByKind {
		out.ErrorsByKind[k] += n
	}
	out.Interrupted = out.Interrupted || r.Interrupted
}

// summarize computes the merged figures that are not sums: the error
// rate, the throughput over the whole span, and the latency percentiles
// of the merged histograms.
func summarize(out *report.Report, reps []*report.Report) error {
	s := out.Summary
	if s["requests"] > 0 {
		s["error_rate"] = s["errors"] / s["requests"]
	}
	if out.DurationSeconds > 0 {
		s["throughput"] = s["requests"] / out.DurationSeconds
	}
	lat, unc, err := mergedHistograms(reps)
	if err != nil {
		return err
	}
	loadgen.HistogramMetrics(s, "latency", lat, exactMax(reps, "latency.max"))
	out.Histograms, err = encodeBoth(lat, unc)
	if err != nil {
		return err
	}
	if out.Load.Model == "open" {
		loadgen.HistogramMetrics(s, "latency_uncorrected", unc, exactMax(reps, "latency_uncorrected.max"))
	}
	return nil
}

// mergedHistograms merges the segments' whole-run histograms.
func mergedHistograms(reps []*report.Report) (lat, unc *hdr.Histogram, err error) {
	lat, unc = empty(), empty()
	for _, r := range reps {
		h := r.Segment.Histograms
		if err := mergeInto(lat, h.Latency); err != nil {
			return nil, nil, fmt.Errorf("segment %d/%d: latency %w", r.Segment.Index, r.Segment.Count, err)
		}
		if err := mergeInto(unc, h.LatencyUncorrected); err != nil {
			return nil, nil, fmt.Errorf("segment %d/%d: uncorrected latency %w", r.Segment.Index, r.Segment.Count, err)
		}
	}
	return lat, unc, nil
}

// encodeBoth encodes the merged histograms for the merged report, as a
// run's report keeps its own.
func encodeBoth(lat, unc *hdr.Histogram) (*report.Histograms, error) {
	l, err := loadgen.EncodeHistogram(lat)
	if err != nil {
		return nil, err
	}
	u, err := loadgen.EncodeHistogram(unc)
	if err != nil {
		return nil, err
	}
	return &report.Histograms{Latency: l, LatencyUncorrected: u}, nil
}

func empty() *hdr.Histogram {
	h, _ := loadgen.DecodeHistogram("")
	return h
}

func mergeInto(h *hdr.Histogram, encoded string) error {
	d, err := loadgen.DecodeHistogram(encoded)
	if err != nil {
		return err
	}
	h.Merge(d)
	return nil
}

// exactMax is the largest of the segments' exact maxima of name.
func exactMax(reps []*report.Report, name string) time.Duration {
	m := 0.0
	for _, r := range reps {
		if v := r.Summary[name]; v > m && !math.IsInf(v, 0) {
			m = v
		}
	}
	return time.Duration(m * float64(time.Second))
}

// addTheRest takes what is not the load's from the segments: the
// targets' runtimes and summaries from the lowest segment that watched
// them (each watched the same targets), every segment's findings (one
// per problem) and their counts, every profile and alert, and the
// warnings, each saying its segment.
func addTheRest(out *report.Report, reps []*report.Report, start time.Time) {
	first := reps[0]
	for k, v := range first.Summary {
		if metric.Parse(k).Scope.Kind != metric.Load {
			out.Summary[k] = v
		}
	}
	out.SummaryBounds = maps.Clone(first.SummaryBounds)
	out.TargetRuntimes, out.TargetNames = maps.Clone(first.TargetRuntimes), maps.Clone(first.TargetNames)
	out.Findings = findings(reps, start)
	if diagnosed(reps) {
		out.CountFindings()
	}
	for _, r := range reps {
		shift := r.Started.Sub(start).Seconds()
		for _, a := range r.Alerts {
			a.T += shift
			out.Alerts = append(out.Alerts, a)
		}
		out.Profiles = append(out.Profiles, r.Profiles...)
		for _, w := range r.Warnings {
			out.Warnings = append(out.Warnings, fmt.Sprintf("segment %d/%d: %s", r.Segment.Index, r.Segment.Count, w))
		}
	}
}
