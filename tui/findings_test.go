package tui

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/strain-dev/strain/report"
	"github.com/strain-dev/strain/session"
)

// withEvidence is frames() with two findings that have evidence: a
// starvation with its CPU profile's top functions, and a leak whose
// stacks carry a target's hostile text.
func withEvidence() []Frame {
	fs := frames()
	last := &fs[len(fs)-1]
	last.Findings = []Finding{
		{Kind: "starvation", Severity: "critical", Target: "api", Start: 7, End: 12,
			Summary: "api: ready work waited up to 12.1ms to run (scheduler p99; 100µs before) while the service used 96% of its 100% CPU, from 7.00s to 12.0s.",
			Culprit: "Busiest: api.hog 91%.",
			Evidence: []Evidence{
				{Metric: "target.sched_latency.p99", Shown: "12.1ms"},
				{Metric: "target.cpu", Shown: "96%"},
				{Profile: "profiles/api-cpu-20261121T120010Z-diagnose_starvation.pb.gz",
					Top: []string{"api.hog 91%", "runtime.mallocgc 4%", "api.handle 2%"}},
			},
			Next: "The CPU profile's top functions are what keeps the cores busy: make them cheaper or take them off the request path."},
		{Kind: "leak", Severity: "warning", Target: "api", Start: 3, End: 12,
			Summary: "api: goroutines rose from 120 to 1220.",
			Culprit: "Grown: api.leakedWorker +1100.",
			Evidence: []Evidence{
				{Profile: "profiles/api-goroutine-1.pb.gz", Top: []string{"1100 api.leakedWorker \x1b[31m← chan receive", "12 net/http.(*conn).serve"}},
				{Profile: "profiles/api-goroutine-2.pb.gz", Note: "empty profile"},
			}},
	}
	return fs
}

// f opens the findings: the first one's evidence (its metrics, its
// profile's top functions, its next step); ↓ the next one's; f closes.
func TestFindingsOpen(t *testing.T) {
	h := Header{Targets: []string{"GET http://127.0.0.1:8080/api"}, Model: "closed", Duration: 30 * time.Second}
	msgs := append(msgsOf(withEvidence()), press("f"))
	variants := map[string][]tea.Msg{"": msgs, "-second": append(slices.Clone(msgs), tea.KeyMsg{Type: tea.KeyDown})}
	eachScreen(t, variants, func(t *testing.T, size [2]int, variant string) {
		view := finalView(t, New(h, &recorder{}, time.Time{}), size, variants[variant]...)
		want := []string{"▸ CRITICAL starvation api", "1. api.hog 91%", "12.1ms", "next: The CPU profile"}
		if variant == "-second" {
			want = []string{"▸ WARNING  leak api", "1. 1100 api.leakedWorker \\x1b[31m← chan receive", "empty profile"}
		}
		for _, w := range want {
			if !strings.Contains(view, w) {
				t.Errorf("the findings view lacks %q:\n%s", w, view)
			}
		}
		if strings.Contains(view, "\x1b[31m") {
			t.Error("a target's escape sequence reached the terminal")
		}
		teatest.RequireEqualOutput(t, []byte(view))
	})
}

func press(k string) tea.KeyMsg { return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)} }

// The view opens only with findings, closes with f or esc, and keeps
// its choice among the findings there are.
func TestFindingsKeys(t *testing.T) {
	var m tea.Model = New(Header{Model: "closed"}, &recorder{}, time.Time{})
	m, _ = m.Update(press("f"))
	if got := m.(Model); got.findings || !strings.Contains(strings.Join(got.events, "\n"), "no findings yet") {
		t.Fatalf("f without findings: open %v, events %q", got.findings, got.events)
	}
	fs := withEvidence()
	m, _ = m.Update(fs[len(fs)-1])
	steps := []struct {
		key    tea.KeyMsg
		open   bool
		chosen int
	}{
		{press("f"), true, 0}, {tea.KeyMsg{Type: tea.KeyDown}, true, 1}, {press("j"), true, 1},
		{tea.KeyMsg{Type: tea.KeyUp}, true, 0}, {press("k"), true, 0}, {tea.KeyMsg{Type: tea.KeyEsc}, false, 0},
		{press("f"), true, 0}, {press("f"), false, 0},
	}
	for i, s := range steps {
		m, _ = m.Update(s.key)
		if got := m.(Model); got.findings != s.open || got.chosen != s.chosen {
			t.Errorf("step %d (%s): open %v chosen %d, want %v %d", i, s.key, got.findings, got.chosen, s.open, s.chosen)
		}
	}
}

// A point's findings reach the frame with what they stand on, info
// findings left out.
func TestFrameOfKeepsEvidence(t *testing.T) {
	p := &session.Point{Point: report.Point{T: 3}, Findings: []report.Finding{
		{Kind: report.Leak, Severity: report.Warning, Target: "api", Start: 1, End: 3, Summary: "grew", Culprit: "Grown: api.leak.", Next: "close it",
			Evidence: []report.Evidence{{Metric: "target.goroutines", Value: 900, Shown: "900"}, {Profile: "p.pb.gz", Top: []string{"api.leak +200"}}}},
		{Kind: report.InsufficientData, Severity: report.Info, Summary: "no pprof"},
	}}
	f := FrameOf(p, time.Time{}, nil)
	want := []Finding{{Kind: report.Leak, Severity: report.Warning, Target: "api", Start: 1, End: 3, Summary: "grew", Culprit: "Grown: api.leak.", Next: "close it",
		Evidence: []Evidence{{Metric: "target.goroutines", Shown: "900"}, {Profile: "p.pb.gz", Top: []string{"api.leak +200"}}}}}
	if !reflect.DeepEqual(f.Findings, want) {
		t.Errorf("frame's findings %+v, want %+v", f.Findings, want)
	}
}
