package merge

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/strain-dev/strain/alert"
	"github.com/strain-dev/strain/loadgen"
	"github.com/strain-dev/strain/metric"
	"github.com/strain-dev/strain/report"
)

// segments makes n segment reports of a load of requests latencies drawn
// from a long-tailed distribution, dealt out in turn, over secs seconds;
// all is one histogram holding every sample.
func segments(t testing.TB, n, requests, secs int) (reps []*report.Report, all *hdr.Histogram) {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	all = empty()
	start := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	type seg struct {
		whole   *hdr.Histogram
		windows []*hdr.Histogram
		max     time.Duration
	}
	segs := make([]seg, n)
	for i := range segs {
		segs[i] = seg{whole: empty()}
		for range secs {
			segs[i].windows = append(segs[i].windows, empty())
		}
	}
	for k := range requests {
		lat := time.Duration((1 + rng.ExpFloat64()*rng.ExpFloat64()*5) * float64(time.Millisecond))
		s := &segs[k%n]
		w := k * secs / requests
		all.RecordValue(int64(lat))
		s.whole.RecordValue(int64(lat))
		s.windows[w].RecordValue(int64(lat))
		s.max = max(s.max, lat)
	}
	for i, s := range segs {
		r := report.New()
		r.Started = start.Add(time.Duration(i) * 7 * time.Millisecond) // started together, give or take a clock's skew
		r.DurationSeconds = float64(secs)
		r.Load = report.Load{Model: "open", Rate: float64(requests) / float64(secs) / float64(n), Concurrency: 100, Targets: []string{"GET http://127.0.0.1:8080/"}}
		count := float64(s.whole.TotalCount())
		r.Summary = map[string]float64{"requests": count, "errors": float64(i), "throughput": count / float64(secs), "latency.max": s.max.Seconds(), "target.cpu.max": 50}
		lat, _ := loadgen.EncodeHistogram(s.whole)
		r.Segment = &report.Segment{Index: i, Count: n, Histograms: report.Histograms{Latency: lat}}
		r.StatusCodes = map[string]int64{"200": int64(count)}
		for w, h := range s.windows {
			enc, _ := loadgen.EncodeHistogram(h)
			r.Series = append(r.Series, report.Point{T: float64(w + 1), Metrics: map[string]float64{"requests": float64(h.TotalCount()),
				"rate": r.Load.Rate, "latency.max": float64(h.Max()) / 1e9, "target.cpu": float64(10 * (i + 1))}, Histograms: &report.Histograms{Latency: enc}})
		}
		reps = append(reps, r)
	}
	return reps, all
}

func gates(t *testing.T, exprs ...string) []*alert.Gate {
	t.Helper()
	c := metric.NewCatalogue()
	c.Add(metric.Count, report.FindingCounts()...)
	gs, err := alert.ParseGates(exprs, c)
	if err != nil {
		t.Fatal(err)
	}
	return gs
}

// Merged, three segments' counts add exactly, their percentiles are those
// of one histogram of every sample, the series align by time, and a gate
// is judged once on the merged summary.
func TestMergeIsExact(t *testing.T) {
	reps, all := segments(t, 3, 30_001, 10)
	out, err := Reports(reps, Options{Gates: gates(t, "requests == 30001", "latency.p99 < 1ms")})
	if err != nil {
		t.Fatal(err)
	}
	if out.Summary["requests"] != 30_001 || out.Summary["errors"] != 3 || out.StatusCodes["200"] != 30_001 {
		t.Errorf("requests %g errors %g 200s %d; want 30001, 3, 30001", out.Summary["requests"], out.Summary["errors"], out.StatusCodes["200"])
	}
	want := map[string]float64{}
	loadgen.HistogramMetrics(want, "latency", all, time.Duration(out.Summary["latency.max"]*1e9))
	for _, q := range []string{"p50", "p90", "p95", "p99", "p999", "max", "mean"} {
		if got := out.Summary["latency."+q]; got != want["latency."+q] {
			t.Errorf("latency.%s = %g, one histogram of every sample says %g", q, got, want["latency."+q])
		}
	}
	if out.Load.Rate != 3000.1 || out.Merged.Count != 3 || len(out.Merged.Segments) != 3 || out.Merged.Partial {
		t.Errorf("rate %g merged %+v", out.Load.Rate, out.Merged)
	}
	if len(out.Series) != 10 {
		t.Fatalf("%d points, want 10 intervals", len(out.Series))
	}
	var sum float64
	for _, p := range out.Series {
		sum += p.Metrics["requests"]
		if p.Metrics["target.cpu"] != 10 {
			t.Errorf("t %g: target.cpu %g, want the first segment's 10", p.T, p.Metrics["target.cpu"])
		}
	}
	if sum != 30_001 {
		t.Errorf("the merged series holds %g requests", sum)
	}
	if len(out.Gates) != 2 || !out.Gates[0].Pass || out.Gates[1].Pass || out.Passed {
		t.Errorf("gates %+v passed %v; want the first to pass, the second to fail, once each", out.Gates, out.Passed)
	}
}

func TestMergeRefuses(t *testing.T) {
	for name, tc := range map[string]struct {
		change func([]*report.Report) []*report.Report
		want   string
	}{
		"missing":     {func(r []*report.Report) []*report.Report { return r[:2] }, "segment 2/3 is missing"},
		"twice":       {func(r []*report.Report) []*report.Report { return append(r, r[1]) }, "given twice"},
		"interrupted": {func(r []*report.Report) []*report.Report { r[1].Interrupted = true; return r }, "segment 1/3 was interrupted"},
		"not a segment": {func(r []*report.Report) []*report.Report {
			r[0].Segment = nil
			return r
		}, "not a segment's"},
		"another split": {func(r []*report.Report) []*report.Report { r[2].Segment.Count = 4; return r }, "the others are of 3"},
		"another load": {func(r []*report.Report) []*report.Report {
			r[1].Load.Targets = []string{"GET http://127.0.0.1:9/"}
			return r
		}, "ran another load"},
		"another run": {func(r []*report.Report) []*report.Report {
			r[2].Started = r[2].Started.Add(time.Minute)
			return r
		}, "segments of different runs"},
		"bad histogram": {func(r []*report.Report) []*report.Report { r[0].Segment.Latency = "not base64!"; return r }, "histogram"},
	} {
		reps, _ := segments(t, 3, 300, 2)
		_, err := Reports(tc.change(reps), Options{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", name, err, tc.want)
		}
	}
}

// With --allow-partial, the segments present are merged, and the report
// says which is missing; the gates decide whether it passes.
func TestMergePartial(t *testing.T) {
	reps, _ := segments(t, 3, 3000, 2)
	reps[1].Interrupted = true
	out, err := Reports(reps, Options{AllowPartial: true})
	if err != nil {
		t.Fatal(err)
	}
	if !out.Merged.Partial || len(out.Merged.Missing) != 1 || out.Merged.Missing[0] != 1 || out.Summary["requests"] != 2000 || !out.Passed || len(out.Warnings) == 0 {
		t.Errorf("merged %+v requests %g passed %v warnings %q", out.Merged, out.Summary["requests"], out.Passed, out.Warnings)
	}
}

// The merged report keeps every segment's findings, one per problem: the
// same kind on the same target at overlapping times, seen by two
// segments, is one, kept as the most severe; the counts add up, so a gate
// on findings judges them.
func TestMergeFindings(t *testing.T) {
	reps, _ := segments(t, 3, 3000, 10)
	finding := func(k report.Kind, s report.Severity, start, end float64) report.Finding {
		return report.Finding{Kind: k, Severity: s, Target: "sleeper", Start: start, End: end, Summary: string(k) + " " + string(s)}
	}
	reps[0].Findings = []report.Finding{finding(report.Contention, report.Warning, 2, 5)}
	reps[1].Findings = []report.Finding{finding(report.Contention, report.Critical, 3, 6), finding(report.Leak, report.Warning, 4, 9)}
	reps[2].Findings = []report.Finding{finding(report.Contention, report.Warning, 8, 9)} // later: another problem
	for _, r := range reps {
		r.CountFindings()
	}
	out, err := Reports(reps, Options{Gates: gates(t, "findings.critical == 0", "findings.warning == 2", "findings.leak == 1")})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range out.Findings {
		got = append(got, f.Summary)
	}
	if want := []string{"contention critical", "leak warning", "contention warning"}; !slices.Equal(got, want) {
		t.Errorf("findings %q, want %q", got, want)
	}
	for name, want := range map[string]float64{"findings.critical": 1, "findings.warning": 2, "findings.contention": 2, "findings.leak": 1, "findings.info": 0} {
		if v, ok := out.Summary[name]; !ok || v != want {
			t.Errorf("%s = %g (present %v), want %g", name, v, ok, want)
		}
	}
	for _, g := range out.Gates {
		if g.NoData {
			t.Errorf("gate %s: no data", g.Expr)
		}
	}
	if len(out.Gates) != 3 || out.Gates[0].Pass || !out.Gates[1].Pass || !out.Gates[2].Pass {
		t.Errorf("gates %+v; want the first to fail, the others to pass", out.Gates)
	}
}

// Without diagnosis in any segment, there is nothing to count: a gate on
// findings has no data rather than a 0 nobody measured.
func TestMergeUndiagnosed(t *testing.T) {
	reps, _ := segments(t, 2, 300, 4)
	out, err := Reports(reps, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := out.Summary["findings.critical"]; ok {
		t.Errorf("findings.critical = %g, want none", v)
	}
}
