package tui

import (
	"fmt"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/strain-dev/strain/capacity"
	"github.com/strain-dev/strain/metric"
	"github.com/strain-dev/strain/report"
)

// Searcher is a Control that runs a capacity search: the dashboard asks
// it for its progress with the clock's tick and shows it in a panel of
// its own. Progress must return at once.
type Searcher interface {
	Progress() capacity.Progress
}

var _ Searcher = (*capacity.Search)(nil)

// pollSearch is the command that reads a Searcher's progress, nil for a
// Control that is not one.
func (m Model) pollSearch() tea.Cmd {
	s, ok := m.control.(Searcher)
	if !ok {
		return nil
	}
	return func() tea.Msg { return s.Progress() }
}

// compactSteps and wideSteps are how many of the latest steps the search's panel lists,
// on a small screen and on a large one.
const (
	compactSteps = 2
	wideSteps    = 6
)

// viewSearch is a capacity search's panel: where the capacity lies (the
// highest rate that held, the lowest that failed), the latest steps with
// their verdicts, and the step running now.
func (m Model) viewSearch(w int, compact bool) string {
	if m.search == nil {
		return ""
	}
	p := m.search
	title := fmt.Sprintf("capacity · held %s · failed %s · %d steps", rateOr(p.Held), rateOr(p.Failed), len(p.Steps))
	shown := wideSteps
	if compact {
		shown = compactSteps
	}
	var lines []string
	if !compact {
		lines = append(lines, dimStyle.Render(truncate(fmt.Sprintf("  %-12s %-12s %-9s %-7s %s", "rate", "throughput", "p99", "errors", "verdict"), w)))
	}
	steps := p.Steps[max(len(p.Steps)-shown, 0):]
	for i := range steps {
		lines = append(lines, stepRow(&steps[i], w))
	}
	if p.Running > 0 {
		lines = append(lines, okStyle.Render("▸ ")+truncate(fmt.Sprintf("%-12s running: %s req/s · p99 %s now",
			metric.FormatPerSecond(p.Running), num(m.frame.Metrics, "throughput"), sec(m.frame.Metrics, "latency.p99")), w-2))
	}
	if len(lines) == 0 || (!compact && len(lines) == 1) {
		lines = append(lines, dimStyle.Render("no step yet"))
	}
	return panel(title, lines, w)
}

// stepRow is one judged step: its rate, its figures and its verdict.
func stepRow(st *report.Step, w int) string {
	verdict := capacity.Verdict(st)
	style := okStyle
	if !st.Pass {
		style = critStyle
	}
	row := fmt.Sprintf("  %-12s %-12s %-9s %-7s ", metric.FormatPerSecond(st.Rate), metric.FormatPerSecond(st.Summary["throughput"]),
		sec(st.Summary, "latency.p99"), pct(st.Summary, "error_rate"))
	return row + style.Render(truncate(verdict, max(w-len([]rune(row)), 1)))
}

// rateOr is a rate in req/s, or "-" for none yet.
func rateOr(r float64) string {
	if r <= 0 {
		return "-"
	}
	return metric.FormatPerSecond(r)
}
