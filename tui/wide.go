package tui

import (
	"strings"

	"github.com/charmbracelet/lipgloss"
)

// The wide layout needs this much room; a smaller screen gets the compact
// one, with a sparkline per row.
const (
	wideWidth  = 100
	wideHeight = 30
)

// maxChartRows bounds a chart's height, so that a tall screen shows more
// targets' charts rather than taller ones.
const maxChartRows = 8

// chartSpec is one chart: its label, its metric, its value now.
type chartSpec struct{ label, name, value string }

// chartGroup is the charts of the load (untitled: its panel is above) or
// of one target.
type chartGroup struct {
	title  string
	charts []chartSpec
}

// viewWide lays out a large screen: the figures as time series charts
// that share one time axis, the load's and every target's, with the
// alerts' spans marked under them, and the run's latency histogram beside
// them. It reports false when the screen is too small for it.
func (m Model) viewWide(w, h int) (string, bool) {
	top := nonEmpty([]string{m.viewHeader(w), m.viewAlerts(w), m.viewFindings(w, false), m.viewSearch(w, false)})
	var load []string
	if m.header.Model != "watch" {
		load = append([]string{rule("load", w)}, m.loadLines(w)...)
	}
	bottom := nonEmpty([]string{m.viewSelf(w), m.viewProfiles(w, false), m.viewEvents(w)})
	fixed := height(top) + len(load) + height(bottom) + 2 // the footer and the time axis
	if m.fired() {
		fixed++
	}
	groups, rows := m.fitCharts(h - fixed)
	if rows < 2 {
		return "", false
	}
	area := m.chartArea(groups, rows, w)
	parts := append(top, load...)
	parts = append(parts, area...)
	return strings.Join(append(parts, bottom...), "\n"), true
}

// height is how many lines parts take.
func height(parts []string) int {
	n := 0
	for _, p := range parts {
		n += strings.Count(p, "\n") + 1
	}
	return n
}

// fitCharts picks the charts that fit in avail lines, at least two lines
// each: every target's first few, as many as leave each chart room. It
// returns them and each chart's height, 0 when none fit.
func (m Model) fitCharts(avail int) ([]chartGroup, int) {
	for perTarget := 4; perTarget >= 1; perTarget-- {
		groups := m.chartGroups(perTarget)
		charts, titles := 0, 0
		for _, g := range groups {
			charts += len(g.charts)
			if g.title != "" {
				titles++
			}
		}
		if charts == 0 {
			return nil, 0
		}
		if rows := (avail - titles) / charts; rows >= 2 {
			return groups, min(rows, maxChartRows)
		}
	}
	return nil, 0
}

// chartGroups are the load's charts and each target's first perTarget.
func (m Model) chartGroups(perTarget int) []chartGroup {
	f := m.frame.Metrics
	var groups []chartGroup
	if m.header.Model != "watch" {
		groups = append(groups, chartGroup{charts: []chartSpec{
			{"throughput", "throughput", num(f, "throughput") + " req/s"},
			{"p99", "latency.p99", sec(f, "latency.p99")},
		}})
	}
	for _, scope := range m.targets() {
		g := chartGroup{title: m.title(scope)}
		for _, r := range m.targetRows(scope) {
			if len(g.charts) == perTarget {
				break
			}
			name := scope.Of(r[1]).String()
			g.charts = append(g.charts, chartSpec{r[0], name, m.frame.shown(name)})
		}
		groups = append(groups, g)
	}
	return groups
}

// chartArea is the charts, the alerts' spans and the time axis, with the
// latency histogram at the right when there are responses to show.
func (m Model) chartArea(groups []chartGroup, rows, w int) []string {
	histW := 0
	if m.latency.total() > 0 {
		histW = min(max(w/4, 30), 44)
	}
	leftW := w - histW
	if histW > 0 {
		leftW-- // a space between
	}
	s := m.span(leftW - gutterWidth)
	var left []string
	for _, g := range groups {
		if g.title != "" {
			left = append(left, rule(g.title, leftW))
		}
		for _, c := range g.charts {
			left = append(left, m.chart(c.label, c.name, c.value, s, rows)...)
		}
	}
	if m.fired() {
		left = append(left, m.alertRow(s))
	}
	left = append(left, timeAxis(s, m.viewLabel()))
	if histW == 0 {
		return left
	}
	right := m.viewLatency(histW, len(left)-1)
	for i := range left {
		left[i] = pad(left[i], leftW) + " "
		if i < len(right) {
			left[i] += right[i]
		}
	}
	return left
}

// pad fills s with spaces to width w.
func pad(s string, w int) string {
	return s + strings.Repeat(" ", max(w-lipgloss.Width(s), 0))
}
