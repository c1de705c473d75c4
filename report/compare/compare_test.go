package compare

import (
	"bytes"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/strain-dev/strain/internal/golden"
	"github.com/strain-dev/strain/loadgen"
	"github.com/strain-dev/strain/metric"
	"github.com/strain-dev/strain/report"
)

// fixture is a run of 25 seconds against a target named api, its
// latencies drawn (seeded) about median and its figures made from them
// as a run makes its own; sched is the range its target's scheduler
// latency was read in (buckets).
func fixture(seed uint64, median float64, sched metric.Bounds) *report.Report {
	rng := rand.New(rand.NewPCG(seed, 1))
	h := hdr.New(1000, 3_600_000_000_000, 3)
	r := report.New()
	r.Started = time.Date(2026, 12, 7, 7, 0, int(seed), 0, time.UTC)
	r.DurationSeconds, r.Load = 25, report.Load{Model: "closed", Concurrency: 10, Targets: []string{"GET http://127.0.0.1:8080/api"}}
	for i := range 25 {
		interval := hdr.New(1000, 3_600_000_000_000, 3)
		for range 200 + rng.IntN(20) {
			v := int64(median * math.Exp(0.4*rng.NormFloat64()))
			h.RecordValue(v)
			interval.RecordValue(v)
		}
		m := map[string]float64{"throughput": float64(interval.TotalCount()), "error_rate": 0, "target[api].cpu": 40 + 10*rng.Float64(),
			"target[api].goroutines": float64(50 + rng.IntN(5))}
		loadgen.HistogramMetrics(m, "latency", interval, 0)
		r.Series = append(r.Series, report.Point{T: float64(i + 1), Metrics: m})
	}
	loadgen.HistogramMetrics(r.Summary, "latency", h, 0)
	enc, _ := loadgen.EncodeHistogram(h)
	r.Histograms = &report.Histograms{Latency: enc}
	r.Summary["requests"] = float64(h.TotalCount())
	r.Summary["errors"] = float64(seed)
	r.Summary["error_rate"] = float64(seed) / float64(h.TotalCount())
	r.Summary["throughput"] = float64(h.TotalCount()) / 25
	r.Summarize("throughput", "target[api].cpu", "target[api].goroutines")
	r.Summary["target[api].sched_latency.p99.mean"] = math.Sqrt(sched.Lo * sched.Hi)
	r.SummaryBounds = map[string]metric.Bounds{"target[api].sched_latency.p99.mean": sched}
	r.TargetNames = map[string]string{"target[api]": "api\x1b[2J"}
	return r
}

// The comparison of two runs, the second 20% slower, as text, Markdown
// and a page: golden files.
func TestComparisonGolden(t *testing.T) {
	old := fixture(1, 2e6, metric.Bounds{Lo: 0.001, Hi: 0.005})
	new := fixture(2, 2.4e6, metric.Bounds{Lo: 0.005, Hi: 0.01})
	c := Of(old, new, "old.json", "new.json")
	for name, render := range map[string]func(*bytes.Buffer) error{
		"compare.txt":  func(b *bytes.Buffer) error { return c.WriteText(b) },
		"compare.md":   func(b *bytes.Buffer) error { return c.WriteMarkdown(b) },
		"compare.html": func(b *bytes.Buffer) error { return c.WriteHTML(b) },
	} {
		var b bytes.Buffer
		if err := render(&b); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(b.String(), "\x1b") {
			t.Errorf("%s holds an escape sequence from a target's name", name)
		}
		golden.Check(t, name, b.Bytes())
	}
}

// Each row's change is its figures' ratio, a bounded one's the range the
// ratio may be in, and the latency's tests find the rise.
func TestComparisonRows(t *testing.T) {
	old := fixture(1, 2e6, metric.Bounds{Lo: 0.001, Hi: 0.005})
	new := fixture(2, 2.4e6, metric.Bounds{Lo: 0.005, Hi: 0.01})
	c := Of(old, new, "old.json", "new.json")
	rows := map[string]Row{}
	for _, s := range c.Sections {
		for _, r := range s.Rows {
			rows[r.Metric] = r
		}
	}
	p50 := rows["latency.p50"]
	if want := ratio(old.Summary["latency.p50"], new.Summary["latency.p50"]); p50.Change() != want || !p50.Test.Significant() {
		t.Errorf("p50 change %q (%+v), want %q, significant", p50.Change(), p50.Test, want)
	}
	if got := rows["target[api].sched_latency.p99.mean"].Change(); got != "0% to +900%" {
		t.Errorf("a bounded figure's change is %q, want the range 0%% to +900%%", got)
	}
	if max := rows["latency.max"]; max.Test.Run || max.Change() == "~" {
		t.Errorf("the maximum was tested: %+v", max)
	}
	if len(c.Tests) == 0 || c.Tests[len(c.Tests)-1].On != "latency" || !c.Tests[len(c.Tests)-1].Test.Significant() || c.Tests[len(c.Tests)-1].Test.Higher != 1 {
		t.Errorf("the latency's test: %+v", c.Tests)
	}
}

// A report without histograms, or with ones that do not decode, has its
// latency tested over the runs' intervals alone, with a warning naming
// it; nothing fails.
func TestComparisonWithoutHistograms(t *testing.T) {
	for name, h := range map[string]*report.Histograms{"none": nil, "garbage": {Latency: "HISTFAAAA\x00not base64"}, "huge": {Latency: strings.Repeat("A", 2<<20)}} {
		t.Run(name, func(t *testing.T) {
			old := fixture(1, 2e6, metric.Bounds{Lo: 0.001, Hi: 0.005})
			old.Histograms = h
			c := Of(old, fixture(2, 2.4e6, metric.Bounds{Lo: 0.005, Hi: 0.01}), "old.json", "new.json")
			var b bytes.Buffer
			if err := c.WriteText(&b); err != nil {
				t.Fatal(err)
			}
			if len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0], "latency tested over intervals alone: old.json") {
				t.Errorf("warnings %q", c.Warnings)
			}
			for _, s := range c.Sections {
				for _, r := range s.Rows {
					if strings.HasPrefix(r.Metric, "latency.") && r.Metric != "latency.max" && (!r.Test.Run || r.Test.Over != "intervals") {
						t.Errorf("%s was tested %+v, want over the intervals alone", r.Metric, r.Test)
					}
				}
			}
		})
	}
}

// Two capacity searches compare their capacities and their figures at
// it, untested: a search's series runs through steps at other rates.
func TestComparisonOfSearches(t *testing.T) {
	old := fixture(1, 2e6, metric.Bounds{Lo: 0.001, Hi: 0.005})
	new := fixture(2, 2.4e6, metric.Bounds{Lo: 0.005, Hi: 0.01})
	lo, hi := 1500.0, 2000.0
	old.Capacity, new.Capacity, old.Histograms, new.Histograms = &lo, &hi, nil, nil
	old.Summary["capacity"], new.Summary["capacity"] = lo, hi
	c := Of(old, new, "old.json", "new.json")
	if r := c.Sections[0].Rows[0]; r.Metric != "capacity" || r.Change() != "+33%" {
		t.Errorf("first row %+v, change %q; want the capacity, +33%%", r, r.Change())
	}
	for _, s := range c.Sections {
		for _, r := range s.Rows {
			if r.Test.Run {
				t.Errorf("%s was tested", r.Metric)
			}
		}
	}
	if len(c.Tests) != 0 || len(c.Warnings) != 1 {
		t.Errorf("tests %+v, warnings %q; want none, and one warning", c.Tests, c.Warnings)
	}
}

// A change prints as precise as three digits allow, and as "?" where
// there is no ratio to give.
func TestRatio(t *testing.T) {
	for _, tc := range []struct {
		a, b float64
		want string
	}{{0, 0, "0%"}, {0, 1, "?"}, {5e-324, 1, "?"}, {2, 3, "+50%"}, {100, 101, "+1.0%"}, {100, 99, "-1.0%"}, {3, 1, "-67%"}, {1, math.Inf(1), "?"}} {
		if got := ratio(tc.a, tc.b); got != tc.want {
			t.Errorf("ratio(%g, %g) = %q, want %q", tc.a, tc.b, got, tc.want)
		}
	}
}

// Runs whose intervals differ in length are tested over requests alone:
// a p99 over 100 ms is not one over 1 s.
func TestComparisonOfOtherIntervals(t *testing.T) {
	old := fixture(1, 2e6, metric.Bounds{Lo: 0.001, Hi: 0.005})
	new := fixture(2, 2.4e6, metric.Bounds{Lo: 0.005, Hi: 0.01})
	for i := range new.Series {
		new.Series[i].T /= 10
	}
	c := Of(old, new, "old.json", "new.json")
	if len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0], "intervals differ (1.00s and 100ms)") {
		t.Errorf("warnings %q", c.Warnings)
	}
	for _, s := range c.Sections {
		for _, r := range s.Rows {
			if r.Test.Run && r.Test.Over != "requests" {
				t.Errorf("%s tested over %s", r.Metric, r.Test.Over)
			}
		}
	}
}
