package tui

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/NimbleMarkets/ntcharts/sparkline"
	"github.com/charmbracelet/lipgloss"
	"github.com/strain-dev/strain/metric"
	"github.com/strain-dev/strain/report"
)

func (m Model) viewHeader(w int) string {
	elapsed := time.Duration(m.frame.T * float64(time.Second))
	if d := m.now.Sub(m.start); !m.start.IsZero() && d > elapsed {
		elapsed = d
	}
	clock := clockString(elapsed)
	if m.header.Duration > 0 {
		clock += " / " + clockString(m.header.Duration)
	}
	level := ""
	if v, ok := m.frame.Metrics["concurrency"]; ok {
		level = fmt.Sprintf(" · %s in flight", metric.FormatNumber(roundTo(v)))
	} else if v, ok := m.frame.Metrics["rate"]; ok {
		level = fmt.Sprintf(" · %s req/s", metric.FormatNumber(roundTo(v)))
	}
	state := okStyle.Render("running")
	if m.frame.Paused {
		state = warnStyle.Render("paused")
	}
	left := titleStyle.Render("strain") + " · " + m.header.Model + level + " · " + clock
	if m.header.Stages > 0 {
		left += fmt.Sprintf(" · %d stages", m.header.Stages)
	}
	line := spread(left, state, w)
	targets := dimStyle.Render(truncate(strings.Join(m.header.Targets, "  "), w))
	return line + "\n" + targets
}

// stuckAfter is how long (seconds) a request may be in flight before the
// load panel says so.
const stuckAfter = 1.0

func (m Model) viewLoad(w int) string {
	f := m.frame.Metrics
	text := m.loadLines(w)
	lines := append([]string{text[0],
		m.sparkRow("throughput", "throughput", w, num(f, "throughput")),
		m.sparkRow("p99", "latency.p99", w, sec(f, "latency.p99"))}, text[1:]...)
	return panel("load · "+m.viewLabel(), lines, w)
}

// loadLines are the load panel's lines of text, without its charts: the
// figures now, then those that show only when they say something.
func (m Model) loadLines(w int) []string {
	f := m.frame.Metrics
	lines := []string{
		truncate(fmt.Sprintf("%s req/s · p50 %s · p99 %s · max %s · errors %s · %s in flight",
			num(f, "throughput"), sec(f, "latency.p50"), sec(f, "latency.p99"),
			sec(f, "latency.max"), pct(f, "error_rate"), num(f, "inflight")), w),
	}
	if _, ok := f["latency_uncorrected.p99"]; ok {
		lines = append(lines, dimStyle.Render(truncate(fmt.Sprintf("uncorrected p99 %s  late %s  dropped %s", sec(f, "latency_uncorrected.p99"), num(f, "late"), num(f, "dropped")), w)))
	}
	if len(m.frame.Status) > 0 {
		lines = append(lines, truncate("status "+counts(m.frame.Status, "×")+errorList(m.frame.Errors), w))
	}
	if age, ok := f["oldest_inflight"]; ok && age >= stuckAfter {
		lines = append(lines, warnStyle.Render(truncate(fmt.Sprintf("oldest request in flight for %s: the target may be stalled", sec(f, "oldest_inflight")), w)))
	}
	return lines
}

// Row layout: a label, a sparkline, a value, in fixed columns.
const (
	labelWidth = 12
	valueWidth = 10
)

// sparkRow is a label, a sparkline of the metric's history, and its value.
func (m Model) sparkRow(label, metric string, w int, value string) string {
	width := max(w-labelWidth-valueWidth-2, 8)
	return fmt.Sprintf("%-*s %s %*s", labelWidth, label, spark(m.sparkValues(metric, width), width), valueWidth, value)
}

// spark draws values scaled to their own range, so that seconds and
// millions alike fill the line's height.
func spark(values []float64, width int) string {
	if len(values) == 0 {
		return strings.Repeat(" ", width)
	}
	top := slices.Max(values)
	s := sparkline.New(width, 1, sparkline.WithStyle(sparkStyle))
	s.SetMax(100)
	for _, v := range values {
		if top > 0 {
			v = 100 * v / top
		}
		s.Push(max(v, 0))
	}
	s.Draw()
	return s.View()
}

// targetRows are a target panel's figures: label and metric, in the
// order shown; a target shows those it has, then its other series.
var targetRows = [][2]string{
	{"goroutines", "goroutines"}, {"tasks", "tasks"}, {"sched p99", "sched_latency.p99"}, {"cpu", "cpu"},
	{"rss", "rss"}, {"gc pause p99", "gc_pause.p99"},
}

// compactRows is how many target rows a small screen shows.
const compactRows = 4

// maxTargetRows bounds a target's panel, however many series it offers.
const maxTargetRows = 8

// viewTarget is a target's panel, its title followed by note.
func (m Model) viewTarget(w int, scope metric.Scope, compact bool, note string) string {
	limit := maxTargetRows
	if compact {
		limit = compactRows
	}
	var lines []string
	for _, r := range m.targetRows(scope) {
		if len(lines) == limit {
			break
		}
		name := scope.Of(r[1]).String()
		lines = append(lines, m.sparkRow(r[0], name, w, m.frame.shown(name)))
	}
	if len(lines) == 0 {
		lines = []string{dimStyle.Render("no data yet")}
	}
	return panel(m.title(scope)+note, lines, w)
}

// title is a target's heading: its scope, and what it runs where its
// sources said ("target · python").
func (m Model) title(scope metric.Scope) string {
	label := scope.String()
	if name := m.frame.Names[label]; name != "" && scope == metric.OneTarget {
		label = name // a lone target by the name it was given
	}
	if rt := m.frame.Runtimes[scope.String()]; rt != "" {
		return label + " · " + rt
	}
	return label
}

// targetRows are the rows a target has data for: the known figures, then
// the other series it offers (picked from a Prometheus endpoint), sorted.
func (m Model) targetRows(scope metric.Scope) [][2]string {
	var rows [][2]string
	_, goroutines := m.frame.Metrics[scope.Of("goroutines").String()]
	for _, r := range targetRows {
		if _, ok := m.frame.Metrics[scope.Of(r[1]).String()]; ok && !(r[1] == "tasks" && goroutines) {
			rows = append(rows, r) // a Go runtime's tasks are its goroutines: one row
		}
	}
	var extra []string // targetRows are all strain's own runtime names
	for name := range m.frame.Metrics {
		if k := metric.Parse(name); k.Scope == scope {
			if _, ours := metric.RuntimeNames[k.Name]; !ours {
				extra = append(extra, k.Name)
			}
		}
	}
	slices.Sort(extra)
	for _, e := range extra {
		rows = append(rows, [2]string{e, e})
	}
	return rows
}

// targets are the watched targets with metrics in the frame, in order.
func (m Model) targets() []metric.Scope {
	var out []metric.Scope
	for _, s := range metric.Runtimes(m.frame.Metrics) {
		if s.Kind == metric.Target {
			out = append(out, s)
		}
	}
	return out
}

// viewSelf is strain's own health on its panel's rule.
func (m Model) viewSelf(w int) string {
	f := m.frame.Metrics
	verdict := okStyle.Render("ok")
	if m.frame.Saturated {
		verdict = critStyle.Render("SATURATED")
	}
	return rule(fmt.Sprintf("strain %s · cpu %s · sched p99 %s · goroutines %s", verdict,
		fmtOr(f, "self.cpu"), sec(f, "self.sched_latency.p99"), num(f, "self.goroutines")), w)
}

func (m Model) viewAlerts(w int) string {
	if len(m.frame.Alerts) == 0 {
		return ""
	}
	var lines []string
	for _, a := range m.frame.Alerts {
		style := warnStyle
		if a.Severity == "critical" {
			style = critStyle
		}
		if a.State == "pending" || a.State == "muted" {
			style = dimStyle
		}
		lines = append(lines, style.Render(fmt.Sprintf("%-8s", strings.ToUpper(a.State)))+" "+
			truncate(fmt.Sprintf("%-8s %s  %s  %s", a.Severity, a.Rule, a.Value, clockString(a.Since)), w-9))
	}
	return panel("alerts", lines, w)
}

// viewFindings is what diagnosis finds, the most severe first, a line
// each: shown at once, as the problems appear.
func (m Model) viewFindings(w int, compact bool) string {
	fs := m.frame.Findings
	if len(fs) == 0 {
		return ""
	}
	shown := 4
	if compact {
		shown = 2
	}
	var lines []string
	for _, f := range fs[:min(shown, len(fs))] {
		style := warnStyle
		if f.Severity == report.Critical {
			style = critStyle
		}
		text := string(f.Kind) + "  " + f.Summary
		if f.Culprit != "" { // the culprit first: the summary may not fit
			text = string(f.Kind) + "  " + f.Culprit + "  " + f.Summary
		}
		lines = append(lines, style.Render(fmt.Sprintf("%-8s", strings.ToUpper(string(f.Severity))))+" "+truncate(text, w-9))
	}
	return panel(fmt.Sprintf("findings (%d) · f opens", len(fs)), lines, w)
}

func (m Model) viewProfiles(w int, compact bool) string {
	ps := m.frame.Profiles
	if len(ps) == 0 {
		return ""
	}
	shown := 3
	if compact {
		shown = 1
	}
	if len(ps) > shown {
		ps = ps[len(ps)-shown:]
	}
	var lines []string
	for _, p := range ps {
		lines = append(lines, truncate(fmt.Sprintf("%6.1fs %-9s %-10s %s", p.At, p.Kind, p.Target, p.Path), w))
	}
	return panel(fmt.Sprintf("profiles (%d)", len(m.frame.Profiles)), lines, w)
}

func (m Model) viewEvents(w int) string {
	if len(m.events) == 0 {
		return ""
	}
	var lines []string
	for _, e := range m.events {
		lines = append(lines, dimStyle.Render(truncate(e, w)))
	}
	return strings.Join(lines, "\n")
}

func (m Model) viewFooter(w int) string {
	keys := "+/- ]/[ load  space pause  p/g/h profile  t recent  f findings  ? help  q quit"
	switch {
	case m.findings && len(m.frame.Findings) > 0:
		keys = "↑/↓ choose a finding  f or esc close  q quit"
	case m.header.Model == "watch":
		keys = "p/g/h cpu/goroutine/heap profile  t recent  f findings  ? help  q quit"
	case m.header.Model == SearchModel:
		keys = "the search sets the rate  p/g/h profile  t recent  f findings  ? help  q end it with what it found"
	}
	if m.recent {
		keys = strings.Replace(keys, "t recent", "t whole", 1)
	}
	return dimStyle.Render(truncate(keys, w))
}

// panel is a titled rule and the lines under it.
func panel(title string, lines []string, w int) string {
	return rule(title, w) + "\n" + strings.Join(lines, "\n")
}

// rule is a horizontal line with a title in it: "── load ─────".
func rule(title string, w int) string {
	head := "── " + titleStyle.Render(title) + " "
	return head + dimStyle.Render(strings.Repeat("─", max(w-lipgloss.Width(head), 0)))
}

func spread(left, right string, w int) string {
	gap := w - lipgloss.Width(left) - lipgloss.Width(right)
	return left + strings.Repeat(" ", max(gap, 1)) + right
}

func truncate(s string, w int) string {
	if lipgloss.Width(s) <= w {
		return s
	}
	r := []rune(s)
	if len(r) > w {
		r = r[:max(w-1, 0)]
	}
	return string(r) + "…"
}

func clockString(d time.Duration) string {
	d = d.Round(time.Second)
	return fmt.Sprintf("%02d:%02d", int(d.Minutes()), int(d.Seconds())%60)
}

func roundTo(v float64) float64 { return float64(int64(v + 0.5)) }

// shown is metric name's value in its unit, or the range it lies in
// where it was read from buckets.
func (f Frame) shown(name string) string {
	return metric.FormatIn(name, f.Metrics[name], f.Bounds)
}

// fmtOr formats metric k of m in its unit, or "-" when it has no data.
func fmtOr(m map[string]float64, k string) string {
	v, ok := m[k]
	if !ok {
		return "-"
	}
	return metric.Format(k, v)
}

func num(m map[string]float64, k string) string {
	v, ok := m[k]
	if !ok {
		return "-"
	}
	return metric.FormatNumber(roundTo(v))
}

func sec(m map[string]float64, k string) string {
	v, ok := m[k]
	if !ok {
		return "-"
	}
	return metric.FormatSeconds(v)
}

func pct(m map[string]float64, k string) string {
	v, ok := m[k]
	if !ok {
		return "-"
	}
	return metric.FormatUnit(metric.Ratio, v)
}

func counts(m map[string]int64, sep string) string {
	keys := slices.Sorted(maps.Keys(m))
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s%s%d", k, sep, m[k]))
	}
	return strings.Join(parts, "  ")
}

func errorList(m map[string]int64) string {
	if len(m) == 0 {
		return ""
	}
	return "   errors " + counts(m, " ")
}
