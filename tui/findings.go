package tui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/strain-dev/strain/report"
)

// The findings view: the f key opens the findings, one chosen (↑ and ↓
// choose), with what it stands on (the metrics, each profile's top
// functions or stacks) and what to do next; f or esc closes it.

// openFindings opens or closes the findings view; with no finding to
// open, it says so.
func (m *Model) openFindings() {
	switch {
	case m.findings:
		m.findings = false
	case len(m.frame.Findings) == 0:
		m.events = lastEvents(append(m.events, "no findings yet: f opens them once diagnosis finds a problem"))
	default:
		m.findings = true
		m.chosen = min(m.chosen, len(m.frame.Findings)-1)
	}
}

// choose moves the chosen finding by d, within the findings.
func (m *Model) choose(d int) {
	m.chosen = min(max(m.chosen+d, 0), max(len(m.frame.Findings)-1, 0))
}

// maxListed is how many findings the view lists above the one opened.
const maxListed = 4

// viewFindingsOpen is the findings view: the findings, the chosen one
// marked, then its evidence. It fills the body in place of the panels.
func (m Model) viewFindingsOpen(w int) string {
	fs := m.frame.Findings
	chosen := min(m.chosen, len(fs)-1)
	first := min(max(chosen-maxListed/2, 0), max(len(fs)-maxListed, 0))
	title := fmt.Sprintf("findings (%d) · ↑/↓ choose · f or esc close", len(fs))
	lines := []string{rule(title, w)}
	for i := first; i < min(first+maxListed, len(fs)); i++ {
		mark := "  "
		if i == chosen {
			mark = "▸ "
		}
		f := fs[i]
		lines = append(lines, mark+severityStyle(f.Severity).Render(fmt.Sprintf("%-8s", strings.ToUpper(string(f.Severity))))+" "+
			truncate(fmt.Sprintf("%s %s  %s", f.Kind, f.Target, spanOf(f)), w-11))
	}
	return strings.Join(append(lines, m.viewEvidence(fs[chosen], w)...), "\n")
}

// viewEvidence is one finding in full: its sentence, what it stands on,
// and the next step.
func (m Model) viewEvidence(f Finding, w int) []string {
	lines := []string{rule(strings.TrimSpace(fmt.Sprintf("%s %s · %s", f.Kind, f.Target, spanOf(f))), w)}
	lines = append(lines, wrap(f.Summary, w)...)
	if f.Culprit != "" {
		lines = append(lines, wrap(titleStyle.Render(f.Culprit), w)...)
	}
	for _, ev := range f.Evidence {
		switch {
		case ev.Profile == "":
			lines = append(lines, truncate(fmt.Sprintf("  %-28s %s", ev.Metric, ev.Shown), w))
		default:
			lines = append(lines, dimStyle.Render(truncate("  "+ev.Profile, w)))
			if len(ev.Top) == 0 && ev.Note != "" {
				lines = append(lines, truncate("    "+ev.Note, w))
			}
			for i, top := range ev.Top {
				lines = append(lines, truncate(fmt.Sprintf("    %d. %s", i+1, top), w))
			}
		}
	}
	if f.Next != "" {
		lines = append(lines, wrap("next: "+f.Next, w)...)
	}
	return lines
}

// spanOf is when a finding's problem was seen: "32.0s to 45.0s".
func spanOf(f Finding) string {
	if f.End <= f.Start {
		return fmt.Sprintf("at %.1fs", f.Start)
	}
	return fmt.Sprintf("%.1fs to %.1fs", f.Start, f.End)
}

// wrap breaks s into lines of at most w columns, at spaces.
func wrap(s string, w int) []string {
	lines := strings.Split(lipgloss.NewStyle().Width(w).Render(s), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ") // the style pads each line to w
	}
	return lines
}

// severityStyle is how a severity is drawn.
func severityStyle(s report.Severity) lipgloss.Style {
	if s == report.Critical {
		return critStyle
	}
	return warnStyle
}
