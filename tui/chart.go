package tui

import (
	"fmt"
	"strings"
	"time"

	"github.com/NimbleMarkets/ntcharts/canvas"
	"github.com/NimbleMarkets/ntcharts/canvas/graph"
	"github.com/strain-dev/strain/metric"
)

// A chart's gutter: its label (then its value), its scale, the axis.
const gutterWidth = labelWidth + valueWidth + 2

// span is the time the charts share, in seconds since the start, and the
// columns it is drawn over.
type span struct {
	t0, t1 float64
	cols   int
}

// col is the column that time t falls in.
func (s span) col(t float64) int {
	if s.t1 <= s.t0 {
		return 0
	}
	return min(int(float64(s.cols)*(t-s.t0)/(s.t1-s.t0)), s.cols-1)
}

// plot draws pts as a braille line h rows high over the span, from 0 at
// the bottom to top at the top. The line breaks where the series has a
// gap (an interval without the metric), rather than bridge it.
func plot(pts []sample, s span, top float64, h int) []string {
	g := graph.NewBrailleGrid(s.cols, h, s.t0, s.t1, 0, top)
	var prev canvas.Point
	prevFrame := -2 // no sample's index follows it
	for _, p := range pts {
		q := g.GridPoint(canvas.Float64Point{X: p.t, Y: min(max(p.v, 0), top)})
		if p.frame == prevFrame+1 {
			for _, r := range graph.GetLinePoints(prev, q) {
				g.Set(r)
			}
		}
		g.Set(q)
		prev, prevFrame = q, p.frame
	}
	rows := make([]string, 0, h)
	for _, r := range g.BraillePatterns() {
		rows = append(rows, strings.ReplaceAll(string(r), "\u2800", " "))
	}
	return rows
}

// chart is metric name's history over the span as h rows: the label and
// the value now at the left, the scale (the highest value in view, and 0)
// beside the axis.
func (m Model) chart(label, name, value string, s span, h int) []string {
	pts := m.points(name, s)
	top := 0.0
	for _, p := range pts {
		top = max(top, p.v)
	}
	scale := "-"
	if top > 0 {
		scale = metric.Format(name, top)
	} else {
		top = 1 // a flat line at 0
	}
	body := plot(pts, s, top, h)
	out := make([]string, h)
	for i := range out {
		left, mid, axis := "", "", "│"
		switch i {
		case 0:
			left, mid, axis = label, scale, "┤"
		case h - 1:
			mid, axis = "0", "┤"
		}
		if i == min(1, h-1) {
			left = value
		}
		out[i] = fmt.Sprintf("%-*s", labelWidth, truncate(left, labelWidth)) +
			dimStyle.Render(fmt.Sprintf("%*s %s", valueWidth, mid, axis)) + sparkStyle.Render(body[i])
	}
	return out
}

// timeAxis is the row under the charts: what they show (label) in the
// gutter, then the span's start, middle and end.
func timeAxis(s span, label string) string {
	first, last := clockOf(s.t0), clockOf(s.t1)
	row := []rune(strings.Repeat(" ", s.cols))
	copy(row, []rune(first))
	if mid := clockOf((s.t0 + s.t1) / 2); s.cols >= 3*len(last)+4 && mid != first && mid != last {
		copy(row[(s.cols-len(mid))/2:], []rune(mid))
	}
	if s.cols >= len(first)+len(last)+1 && last != first {
		copy(row[s.cols-len(last):], []rune(last))
	}
	return dimStyle.Render(fmt.Sprintf("%*s └", gutterWidth-2, truncate(label, gutterWidth-2)) + string(row))
}

func clockOf(t float64) string { return clockString(secondsOf(t)) }

// alertRow marks the columns of the span in which an alert was firing,
// by its worst severity: the same columns as the charts above. A frame's
// standing holds over the interval that ends at it, so a column shows the
// worst standing of the intervals (or the overview's buckets) that overlap
// it: an alert of one interval stays in view however many a column spans.
func (m Model) alertRow(s span) string {
	var row strings.Builder
	for _, level := range columnLevels(m.marks(), s) {
		switch level {
		case 0:
			row.WriteString(" ")
		case 2:
			row.WriteString(critStyle.Render("━"))
		default:
			row.WriteString(warnStyle.Render("━"))
		}
	}
	return fmt.Sprintf("%-*s%*s ", labelWidth, "alerts", valueWidth, "") + dimStyle.Render("│") + row.String()
}

// columnLevels is the worst standing of marks over each column of s; marks
// are in time order.
func columnLevels(marks []mark, s span) []int {
	out := make([]int, s.cols)
	width := (s.t1 - s.t0) / float64(s.cols)
	for c := range out {
		c0, c1 := s.t0+float64(c)*width, s.t0+float64(c+1)*width
		for len(marks) > 0 && marks[0].t <= c0 {
			marks = marks[1:] // over before the column begins
		}
		for _, mk := range marks {
			if mk.t0 >= c1 {
				break
			}
			out[c] = max(out[c], mk.level)
		}
	}
	return out
}

// secondsOf is t seconds as a duration.
func secondsOf(t float64) time.Duration { return time.Duration(t * float64(time.Second)) }
