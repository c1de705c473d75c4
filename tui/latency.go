package tui

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/strain-dev/strain/metric"
)

// latencyBounds are the upper bounds, in seconds, of the dashboard's
// latency histogram: 1, 2 and 5 × 10ⁿ from 10µs to 100s. A last bucket
// past them holds the rest.
var latencyBounds = func() []float64 {
	var b []float64
	for decade := 1e-5; decade < 1e3; decade *= 10 {
		for _, m := range []float64{1, 2, 5} {
			if v := m * decade; v <= 100 {
				b = append(b, v)
			}
		}
	}
	return b
}()

// latencyCounts are responses by latency bucket: [i] holds those above
// latencyBounds[i-1] and at most latencyBounds[i].
type latencyCounts []int64

// LatencyOf counts the responses of h, a histogram in nanoseconds, by the
// dashboard's buckets; nil when h holds none. Each value is put in its
// bucket by the lowest value it stands for, so a bucket's bound is exact
// to the histogram's precision.
func LatencyOf(h *hdr.Histogram) []int64 {
	if h == nil || h.TotalCount() == 0 {
		return nil
	}
	counts := make([]int64, len(latencyBounds)+1)
	for _, bar := range h.Distribution() {
		if bar.Count > 0 {
			counts[sort.SearchFloat64s(latencyBounds, float64(bar.From)/1e9)] += bar.Count
		}
	}
	return counts
}

// add adds one interval's counts.
func (c *latencyCounts) add(interval []int64) {
	if len(interval) != len(latencyBounds)+1 {
		return // none, or not made by LatencyOf
	}
	if *c == nil {
		*c = make(latencyCounts, len(interval))
	}
	for i, n := range interval {
		(*c)[i] += n
	}
}

// total is how many responses the counts hold.
func (c latencyCounts) total() int64 {
	var n int64
	for _, v := range c {
		n += v
	}
	return n
}

// bar is one row of the histogram: responses at most upTo seconds.
type bar struct {
	upTo  float64 // +Inf for the last bucket
	count int64
}

// bars are the buckets from the first to the last that holds a response,
// in at most rows rows: neighbours are added together when there are
// more.
func (c latencyCounts) bars(rows int) []bar {
	first := slices.IndexFunc(c, func(n int64) bool { return n > 0 })
	if first < 0 || rows < 1 {
		return nil
	}
	last := len(c) - 1
	for c[last] == 0 {
		last--
	}
	per := (last - first + rows) / rows // ceil((last-first+1)/rows)
	var out []bar
	for i := first; i <= last; i += per {
		end := min(i+per, last+1)
		b := bar{upTo: inf}
		if end <= len(latencyBounds) {
			b.upTo = latencyBounds[end-1]
		}
		for _, n := range c[i:end] {
			b.count += n
		}
		out = append(out, b)
	}
	return out
}

var inf = math.Inf(1)

// viewLatency is the run's latency histogram, w wide, in at most rows
// rows under its title.
func (m Model) viewLatency(w, rows int) []string {
	n := m.latency.total()
	lines := []string{rule("latency · "+metric.FormatNumber(float64(n))+" responses", w)}
	bars := m.latency.bars(rows)
	if len(bars) == 0 {
		return append(lines, dimStyle.Render("no responses yet"))
	}
	var top int64
	for _, b := range bars {
		top = max(top, b.count)
	}
	const labelW, countW = 9, 9
	barW := max(w-labelW-countW-2, 1)
	for _, b := range bars {
		label := "≤ " + boundLabel(b.upTo)
		if b.upTo == inf {
			label = "> " + boundLabel(latencyBounds[len(latencyBounds)-1])
		}
		fill := int(float64(barW)*float64(b.count)/float64(top) + 0.5)
		if b.count > 0 {
			fill = max(fill, 1)
		}
		lines = append(lines, fmt.Sprintf("%-*s %s%s %*s", labelW, label,
			sparkStyle.Render(strings.Repeat("█", fill)), strings.Repeat(" ", barW-fill), countW, metric.FormatNumber(float64(b.count))))
	}
	return lines
}

// boundLabel is a bucket's bound, exact, so without the zeros that would
// claim a precision: 1ms, not 1.00ms.
func boundLabel(s float64) string {
	f := metric.FormatSeconds(s)
	unit := strings.TrimLeft(f, "0123456789.")
	num := strings.TrimSuffix(f, unit)
	if strings.Contains(num, ".") {
		num = strings.TrimRight(strings.TrimRight(num, "0"), ".")
	}
	return num + unit
}
