package tui

import (
	"strings"
	"testing"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/charmbracelet/lipgloss"
)

// The histogram's buckets hold each response once, in the bucket its
// latency falls in: checked against the latencies recorded, with the
// engine's histogram settings (1µs to an hour, 3 digits).
func TestLatencyOfCountsEachResponseInItsBucket(t *testing.T) {
	h := hdr.New(1_000, int64(time.Hour), 3)
	record := map[time.Duration]int64{
		150 * time.Microsecond: 7,  // ≤ 200µs, bucket 4
		900 * time.Microsecond: 20, // ≤ 1ms, bucket 6
		3 * time.Millisecond:   5,  // ≤ 5ms, bucket 8
		70 * time.Millisecond:  2,  // ≤ 100ms, bucket 12
		3 * time.Minute:        1,  // past 100s, the last
	}
	for d, n := range record {
		h.RecordValues(int64(d), n)
	}
	got := LatencyOf(h)
	want := map[int]int64{4: 7, 6: 20, 8: 5, 12: 2, len(latencyBounds): 1}
	for i, n := range got {
		if n != want[i] {
			t.Errorf("bucket %d (≤ %gs): %d, want %d", i, bound(i), n, want[i])
		}
	}
	var c latencyCounts
	c.add(got)
	c.add(got)
	if c.total() != 2*h.TotalCount() {
		t.Errorf("two intervals hold %d, want %d", c.total(), 2*h.TotalCount())
	}
	if LatencyOf(hdr.New(1_000, int64(time.Hour), 3)) != nil || LatencyOf(nil) != nil {
		t.Error("an empty histogram has counts")
	}
}

func bound(i int) float64 {
	if i < len(latencyBounds) {
		return latencyBounds[i]
	}
	return inf
}

// Bars run from the first bucket with a response to the last, and, when
// they are more than the rows, add neighbours together: none is lost.
func TestBarsKeepEveryResponse(t *testing.T) {
	c := make(latencyCounts, len(latencyBounds)+1)
	c[2], c[3], c[9], c[len(c)-1] = 4, 1, 6, 2
	for rows := 1; rows <= 25; rows++ {
		bars := c.bars(rows)
		var n int64
		for _, b := range bars {
			n += b.count
		}
		if len(bars) > rows || n != c.total() {
			t.Errorf("%d rows: %d bars holding %d, want at most %d holding %d", rows, len(bars), n, rows, c.total())
		}
		if last := bars[len(bars)-1]; last.upTo != inf {
			t.Errorf("%d rows: the last bar ends at %g, want past the last bound", rows, last.upTo)
		}
	}
	if bars := c.bars(30); len(bars) != len(c)-2 || bars[0].upTo != latencyBounds[2] {
		t.Errorf("with room, one bar per bucket from the first with a response: %v", bars)
	}
}

// The alerts' row marks the columns in which an alert fired, by its
// severity, under the same columns as the charts.
func TestAlertRowMarksTheFiringColumns(t *testing.T) {
	m := New(Header{Model: "closed"}, &recorder{}, time.Time{})
	for i := 1; i <= 10; i++ {
		f := Frame{T: float64(i), Metrics: map[string]float64{"throughput": 1}}
		switch {
		case i >= 4 && i <= 5:
			f.Alerts = []Alert{{Rule: "w", State: "firing", Severity: "warning"}}
		case i == 6:
			f.Alerts = []Alert{{Rule: "w", State: "firing", Severity: "warning"}, {Rule: "c", State: "firing", Severity: "critical"}}
		case i == 7:
			f.Alerts = []Alert{{Rule: "p", State: "pending", Severity: "critical"}}
		}
		m.addFrame(f)
	}
	row := m.alertRow(span{t0: 0, t1: 10, cols: 20})
	got := []rune(row)[gutterWidth:]
	// Columns of half a second: frame i's interval (i-1, i] is columns 2i-2 and 2i-1.
	want := "      ━━━━━━        "
	if string(got) != want {
		t.Errorf("alert row %q, want %q", string(got), want)
	}
}

// A chart's scale is the highest value in view; its line breaks where the
// series has a gap, rather than bridge it.
func TestChartScaleAndGaps(t *testing.T) {
	m := New(Header{Model: "closed"}, &recorder{}, time.Time{})
	for i := 1; i <= 8; i++ {
		f := Frame{T: float64(i), Metrics: map[string]float64{"throughput": 1}}
		if i != 4 && i != 5 {
			f.Metrics["latency.p99"] = 0.002 * float64(i)
		}
		m.addFrame(f)
	}
	rows := m.chart("p99", "latency.p99", "16.0ms", span{t0: 0, t1: 8, cols: 16}, 2)
	if !strings.Contains(rows[0], "16.0ms ┤") {
		t.Errorf("the scale is not the highest value in view, 16.0ms:\n%s", strings.Join(rows, "\n"))
	}
	// Frames 4 and 5 had no p99: between the points at 3 s and 6 s,
	// the columns between them stay empty.
	for _, r := range rows {
		body := []rune(r)[gutterWidth:]
		if gap := strings.TrimSpace(string(body[7:11])); gap != "" {
			t.Errorf("the line bridges the gap: %q in %q", gap, string(body))
		}
		if w := lipgloss.Width(r); w != gutterWidth+16 {
			t.Errorf("row of width %d, want %d", w, gutterWidth+16)
		}
	}
}
