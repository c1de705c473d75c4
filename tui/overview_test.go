package tui

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/exp/teatest"
)

// The overview's memory does not grow with the run: however many
// intervals, at most overviewLen buckets, each series as long.
func TestOverviewIsBounded(t *testing.T) {
	h := newHistory()
	for i := 1; i <= 100_000; i++ {
		h.add(Frame{T: float64(i), Metrics: map[string]float64{"throughput": 1, "latency.p99": 0.001}})
		if n := len(h.whole.buckets); n > overviewLen {
			t.Fatalf("after %d intervals, %d buckets: past %d", i, n, overviewLen)
		}
	}
	if n := len(h.whole.buckets); n < overviewLen/2 {
		t.Errorf("%d buckets, want at least %d: the overview should use its room", n, overviewLen/2)
	}
	for name, s := range h.whole.series {
		if len(s) != len(h.whole.buckets) {
			t.Errorf("%s: %d aggregates for %d buckets", name, len(s), len(h.whole.buckets))
		}
	}
	if b := h.whole.buckets[0]; b.t0 != 0 {
		t.Errorf("the first bucket begins at %gs, want the run's start", b.t0)
	}
	if got := len(h.series["throughput"]); got != recentLen {
		t.Errorf("recent view holds %d intervals, want %d", got, recentLen)
	}
}

// Each point of the whole run is its intervals' highest value for a
// latency or a ratio, and their mean otherwise: checked against the frames
// themselves, grouped by hand.
func TestOverviewPointsMergeTheirIntervals(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const n = 1000
	h := newHistory()
	var p99, tput []float64
	for i := 1; i <= n; i++ {
		p99 = append(p99, rng.Float64())
		tput = append(tput, 1000*rng.Float64())
		h.add(Frame{T: float64(i), Metrics: map[string]float64{"latency.p99": p99[i-1], "throughput": tput[i-1]}})
	}
	// 1000 intervals: buckets of 2 (500 of them); 100 points of 5 buckets,
	// so 10 intervals each.
	for _, c := range []struct {
		name string
		vals []float64
		fold func([]float64) float64
	}{
		{"latency.p99", p99, slices.Max[[]float64]},
		{"throughput", tput, mean},
	} {
		pts := h.whole.points(c.name, 100)
		if len(pts) != 100 {
			t.Fatalf("%s: %d points, want 100", c.name, len(pts))
		}
		for j, p := range pts {
			want := c.fold(c.vals[10*j : 10*j+10])
			if diff := p.v - want; diff > 1e-9 || diff < -1e-9 || p.t != float64(10*j+10) || p.frame != j {
				t.Fatalf("%s point %d: %g at %gs (index %d), want %g at %gs", c.name, j, p.v, p.t, p.frame, want, float64(10*j+10))
			}
		}
	}
}

func mean(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

// A series missing from some intervals is a gap in the overview, not a
// zero; a bucket with part of it missing averages what it has.
func TestOverviewKeepsGaps(t *testing.T) {
	h := newHistory()
	for i := 1; i <= 8; i++ {
		f := Frame{T: float64(i), Metrics: map[string]float64{"throughput": 1}}
		if i <= 3 || i >= 6 {
			f.Metrics["target.cpu"] = float64(10 * i)
		}
		h.add(f)
	}
	got := h.whole.points("target.cpu", 4) // 8 buckets of 1, 2 a point
	want := []sample{{0, 2, 15}, {1, 4, 30}, {2, 6, 60}, {3, 8, 75}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("points %v, want %v", got, want)
	}
	got = h.whole.points("target.cpu", 8)
	want = []sample{{0, 1, 10}, {1, 2, 20}, {2, 3, 30}, {5, 6, 60}, {6, 7, 70}, {7, 8, 80}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("points %v, want %v: indexes 3 and 4 are the gap", got, want)
	}
}

// An alert that fired for one interval of a long run marks its column in
// the whole run's alert row, however many intervals the column spans.
func TestOverviewKeepsAShortAlert(t *testing.T) {
	m := New(Header{Model: "closed"}, &recorder{}, time.Time{})
	for i := 1; i <= 3000; i++ {
		f := Frame{T: float64(i), Metrics: map[string]float64{"throughput": 1}}
		if i == 1234 {
			f.Alerts = []Alert{{Rule: "c", State: "firing", Severity: "critical"}}
		}
		m.addFrame(f)
	}
	s := m.span(100) // 30 s a column
	levels := columnLevels(m.marks(), s)
	col := s.col(1233.5)
	for c, l := range levels {
		if want := map[bool]int{true: 2}[c == col]; l != want {
			t.Errorf("column %d: level %d, want %d", c, l, want)
		}
	}
}

// longRun is a ten-minute run of one-second intervals: a stall at 00:20
// (p99 at 2 s for one interval, nothing completed) and a critical alert
// over it, then a steady load while the target's goroutines climb.
func longRun() []Frame {
	var out []Frame
	for i := 1; i <= 600; i++ {
		f := Frame{T: float64(i), Metrics: map[string]float64{
			"throughput": 500, "latency.p50": 0.002, "latency.p99": 0.005, "latency.max": 0.01, "error_rate": 0,
			"inflight": 10, "concurrency": 10, "target.goroutines": 50 + float64(i), "target.cpu": 40,
			"target.sched_latency.p99": 0.0002, "target.rss": 40 << 20, "self.cpu": 20, "self.goroutines": 30,
		}, Status: map[string]int64{"200": int64(500 * i)}, Runtimes: map[string]string{"target": "go"}}
		if i == 20 {
			f.Metrics["throughput"], f.Metrics["latency.p99"], f.Metrics["latency.max"] = 0, 2, 2
		}
		if i >= 20 && i <= 22 {
			f.Alerts = []Alert{{Rule: "latency.p99 > 1s", State: "firing", Severity: "critical", Value: "2.00s"}}
		}
		f.Latency = make([]int64, len(latencyBounds)+1)
		f.Latency[10] = 500
		out = append(out, f)
	}
	return out
}

// After ten minutes, the whole-run view (the default) still shows the
// stall at 00:20 and the time axis from 00:00; t switches to the last
// 240 intervals, which no longer hold it, and back.
func TestLongRunKeepsItsStart(t *testing.T) {
	h := Header{Targets: []string{"GET http://127.0.0.1:8080/api"}, Model: "closed", Duration: 10 * time.Minute}
	whole := msgsOf(longRun())
	variants := map[string][]tea.Msg{"": whole, "-recent": append(slices.Clone(whole), press("t"))}
	eachScreen(t, variants, func(t *testing.T, size [2]int, variant string) {
		recent := variant == "-recent"
		view := finalView(t, New(h, &recorder{}, time.Time{}), size, variants[variant]...)
		wide := size[0] >= wideWidth
		switch {
		case wide && !recent:
			for _, want := range []string{"whole run └00:00", "2.00s ┤", "━"} {
				if !strings.Contains(view, want) {
					t.Errorf("the whole run's view lacks %q:\n%s", want, view)
				}
			}
		case wide && recent:
			if !strings.Contains(view, "last 04:00 └06:00") || strings.Contains(view, "2.00s ┤") {
				t.Errorf("the recent view should run from 06:00 without the stall:\n%s", view)
			}
		case recent:
			if !strings.Contains(view, "load · last 04:00") {
				t.Errorf("the compact recent view does not say so:\n%s", view)
			}
		default:
			if !strings.Contains(view, "load · whole run") {
				t.Errorf("the compact view does not say it shows the whole run:\n%s", view)
			}
		}
		teatest.RequireEqualOutput(t, []byte(view))
	})
}

// eachScreen runs check at 80×24 and 200×50 for each variant, as a
// subtest named for both ("80x24-recent"); the variant "" is the plain one.
func eachScreen(t *testing.T, variants map[string][]tea.Msg, check func(t *testing.T, size [2]int, variant string)) {
	for _, size := range [][2]int{{80, 24}, {200, 50}} {
		for _, v := range slices.Sorted(maps.Keys(variants)) {
			t.Run(fmt.Sprintf("%dx%d%s", size[0], size[1], v), func(t *testing.T) { check(t, size, v) })
		}
	}
}

// msgsOf is frames as messages to send.
func msgsOf(frames []Frame) []tea.Msg {
	out := make([]tea.Msg, len(frames))
	for i, f := range frames {
		out[i] = f
	}
	return out
}

// finalView sends msgs to m on a screen of size and returns the view it
// ends with, checked to fit the screen.
func finalView(t *testing.T, m Model, size [2]int, msgs ...tea.Msg) string {
	t.Helper()
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(size[0], size[1]))
	for _, msg := range msgs {
		tm.Send(msg)
	}
	tm.Send(tea.Quit())
	view := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(Model).View()
	checkFits(t, view, size)
	return view
}

// checkFits fails when view does not fit a screen of size.
func checkFits(t *testing.T, view string, size [2]int) {
	t.Helper()
	lines := splitLines(view)
	if len(lines) > size[1] {
		t.Errorf("%d lines on a %d-line screen", len(lines), size[1])
	}
	for _, line := range lines {
		if w := lipgloss.Width(line); w > size[0] {
			t.Errorf("line of width %d on a %d-column screen: %q", w, size[0], line)
		}
	}
}

// BenchmarkLongRun is a frame's cost after ten hours of one-second
// intervals (36,000 frames) at 200×50, in the whole-run view (the
// overview, downsampled) and in the recent one: the overview's cost does
// not grow with the run.
func BenchmarkLongRun(b *testing.B) {
	run := longRun()
	for _, recent := range []bool{false, true} {
		b.Run(map[bool]string{false: "whole", true: "recent"}[recent], func(b *testing.B) {
			var m tea.Model = New(Header{Model: "closed"}, &recorder{}, time.Time{})
			m, _ = m.Update(tea.WindowSizeMsg{Width: 200, Height: 50})
			if recent {
				m, _ = m.Update(press("t"))
			}
			next := func(i int) Frame {
				f := run[i%len(run)]
				f.T = float64(i + 1)
				return f
			}
			for i := range 36_000 {
				m, _ = m.Update(next(i))
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				m, _ = m.Update(next(36_000 + i))
				if len(m.View()) == 0 {
					b.Fatal("empty view")
				}
			}
		})
	}
}
