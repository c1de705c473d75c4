package tui

import (
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
)

// hostile clears the screen, retitles the window, turns what follows red
// and forges a line of its own.
const hostile = "500 \x1b[2J\x1b]0;pwned\a\x1b[31mRED\r\nwarning: forged\u202e"

// Whatever strings a frame brings (a target's warnings in the events, its
// series' names, its captures' paths), the dashboard draws them escaped:
// nothing reaches the terminal but text and the dashboard's own layout.
func TestHostileTextIsDrawnEscaped(t *testing.T) {
	h := Header{Targets: []string{"GET http://127.0.0.1:8080/" + hostile}, Model: "watch"}
	var m tea.Model = New(h, &recorder{}, time.Time{})
	m, _ = m.Update(tea.WindowSizeMsg{Width: 200, Height: 60})
	m, _ = m.Update(Frame{
		T:       1,
		Metrics: map[string]float64{"target.goroutines": 10, "target." + hostile: 1, "self.cpu": 3},
		Status:  map[string]int64{hostile: 1},
		Errors:  map[string]int64{hostile: 2},
		Alerts:  []Alert{{Rule: hostile, State: "firing", Severity: "critical", Value: hostile}},
		Profiles: []Profile{{Target: hostile, Kind: "heap", Reason: hostile,
			Path: "strain-profiles/" + hostile + ".pb.gz", At: 1}},
		Events: []string{"warning: watch api: " + hostile, strings.Repeat("\x1b[31m", 10_000)},
		// A finding quotes the function names of a target's profiles; a
		// runtime's name is the target's to choose.
		Findings: []Finding{{Kind: "leak", Severity: "critical", Summary: "grew: " + hostile, Culprit: hostile}},
		Runtimes: map[string]string{"target": hostile},
	})
	view := m.View()
	for _, r := range view {
		if r != '\n' && (r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0 || r == '\u202e') {
			t.Fatalf("the view holds %U:\n%s", r, view)
		}
	}
	if !strings.Contains(view, `\x1b[2J\x1b]0;pwned\x07\x1b[31mRED\r\nwarning: forged\u202e`) {
		t.Errorf("the hostile text is not shown escaped:\n%s", view)
	}
}
