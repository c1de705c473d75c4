package tui

import (
	"os"

	"github.com/charmbracelet/lipgloss"
)

// The dashboard's styles, all in one place. With NO_COLOR set, colours go
// but bold and layout stay.
var (
	noColor    = os.Getenv("NO_COLOR") != ""
	titleStyle = lipgloss.NewStyle().Bold(true)
	dimStyle   = colour(lipgloss.NewStyle(), "8")
	okStyle    = colour(lipgloss.NewStyle(), "2")
	warnStyle  = colour(lipgloss.NewStyle().Bold(true), "3")
	critStyle  = colour(lipgloss.NewStyle().Bold(true), "1")
	panelStyle = lipgloss.NewStyle().Border(lipgloss.NormalBorder(), true, false, false, false).BorderForeground(lipgloss.Color("8"))
	sparkStyle = colour(lipgloss.NewStyle(), "6")
)

func colour(s lipgloss.Style, c string) lipgloss.Style {
	if noColor {
		return s
	}
	return s.Foreground(lipgloss.Color(c))
}
