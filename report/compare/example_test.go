package compare_test

import (
	"fmt"
	"math/rand/v2"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/strain-dev/strain/loadgen"
	"github.com/strain-dev/strain/report"
	"github.com/strain-dev/strain/report/compare"
)

// run makes a report of 20 one-second intervals of 100 requests about
// median nanoseconds, its figures and histograms as a run keeps them.
func run(seed uint64, median float64) *report.Report {
	rng := rand.New(rand.NewPCG(seed, 0))
	r, whole := report.New(), hdr.New(1000, 3_600_000_000_000, 3)
	for i := range 20 {
		interval := hdr.New(1000, 3_600_000_000_000, 3)
		for range 100 {
			v := int64(median * (0.8 + 0.4*rng.Float64()))
			whole.RecordValue(v)
			interval.RecordValue(v)
		}
		m := map[string]float64{}
		loadgen.HistogramMetrics(m, "latency", interval, 0)
		r.Series = append(r.Series, report.Point{T: float64(i + 1), Metrics: m})
	}
	loadgen.HistogramMetrics(r.Summary, "latency", whole, 0)
	enc, _ := loadgen.EncodeHistogram(whole)
	r.Histograms = &report.Histograms{Latency: enc}
	return r
}

// Two runs, the second 10% slower: the comparison says what changed and
// whether it is beyond the noise.
func ExampleOf() {
	c := compare.Of(run(1, 2e6), run(2, 2.2e6), "before.json", "after.json")
	for _, t := range c.Tests {
		if t.On == "latency" {
			fmt.Println(t.Sentence("after.json"))
		}
	}
	for _, s := range c.Sections {
		for _, r := range s.Rows {
			if r.Metric == "latency.p50" {
				fmt.Println(r.Metric, r.Old.Shown(r.Metric), "→", r.New.Shown(r.Metric), r.Change(), r.Test.Detail())
			}
		}
	}
	// Output:
	// latency: tends higher in after.json, beyond the noise (Mann-Whitney U over 2000 and 2000 requests, p<0.001; Mann-Whitney U over 20 and 20 intervals, p<0.001; α=0.01)
	// latency.p50 2.00ms → 2.19ms +9.7% (p<0.001 n=20+20 intervals)
}
