package tui

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/muesli/termenv"
)

func TestMain(m *testing.M) {
	lipgloss.SetColorProfile(termenv.Ascii) // golden files without colour codes
	os.Exit(m.Run())
}

// recorder is a Control that records what the keys asked for.
type recorder struct {
	mu    sync.Mutex
	calls []string
}

func (r *recorder) Scale(f, step float64) { r.add(fmt.Sprintf("scale %g %g", f, step)) }
func (r *recorder) Pause() bool           { r.add("pause"); return true }
func (r *recorder) Capture(kind string)   { r.add("capture " + kind) }
func (r *recorder) End(why error)         { r.add("end") }
func (r *recorder) add(s string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, s)
}

func (r *recorder) got() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.calls...)
}

// frames is a scripted run: load rising, a target whose scheduler latency
// climbs until an alert fires, and a profile captured.
func frames() []Frame {
	var out []Frame
	for i := 1; i <= 12; i++ {
		f := Frame{T: float64(i), Metrics: map[string]float64{
			"throughput": 1000 * float64(i), "latency.p50": 0.0005 * float64(i), "latency.p99": 0.002 * float64(i),
			"latency.p999": 0.004 * float64(i), "latency.max": 0.01 * float64(i), "error_rate": 0.001, "inflight": 50,
			"concurrency": 50, "target.goroutines": 20 + 100*float64(i), "target.sched_latency.p99": 0.0001 * float64(i*i),
			"target.cpu": 8 * float64(i), "target.rss": float64(20<<20 + i<<20), "target.gc_pause.p99": 0.0001,
			"self.cpu": 45, "self.sched_latency.p99": 0.00008, "self.goroutines": 60, "self.rss": 30 << 20,
		}, Status: map[string]int64{"200": int64(1000 * i * i), "503": int64(i)}, Errors: map[string]int64{"http_5xx": int64(i)},
			Runtimes: map[string]string{"target": "go"}}
		f.Latency = make([]int64, len(latencyBounds)+1)
		f.Latency[9], f.Latency[10], f.Latency[11], f.Latency[12] = 600*int64(i), 300*int64(i), 90*int64(i), int64(i*i)
		if i >= 8 {
			f.Alerts = []Alert{{Rule: "target.sched_latency.p99 > 5ms for 2s", State: "firing", Severity: "warning", Value: "6.4ms", Since: time.Duration(i-8) * time.Second}}
		}
		if i >= 9 {
			f.Findings = []Finding{{Kind: "starvation", Severity: "critical", Summary: "api: ready work waited up to 12.1ms to run while the service used 96% of its 100% CPU, from 7.00s to 9.00s.", Culprit: "Busiest: api.hog 91%."}}
		}
		if i >= 10 {
			f.Profiles = []Profile{{Target: "api", Kind: "cpu", Reason: "alert", Path: "profiles/api-cpu-20261121T120010Z-alert.pb.gz", At: 10}}
		}
		out = append(out, f)
	}
	return out
}

func TestGoldenFrames(t *testing.T) {
	h := Header{Targets: []string{"GET http://127.0.0.1:8080/api"}, Model: "closed", Duration: 30 * time.Second}
	for _, size := range [][2]int{{80, 24}, {120, 40}, {200, 50}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			tm := teatest.NewTestModel(t, New(h, &recorder{}, time.Time{}), teatest.WithInitialTermSize(size[0], size[1]))
			for _, f := range frames() {
				tm.Send(f)
			}
			tm.Send(tea.Quit())
			m := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(Model)
			view := m.View()
			if lines := len(splitLines(view)); lines > size[1] {
				t.Errorf("%d lines on a %d-line screen", lines, size[1])
			}
			for _, line := range splitLines(view) {
				if w := lipgloss.Width(line); w > size[0] {
					t.Errorf("line of width %d on a %d-column screen: %q", w, size[0], line)
				}
			}
			teatest.RequireEqualOutput(t, []byte(view))
		})
	}
}

func splitLines(s string) []string {
	var lines []string
	start := 0
	for i, r := range s {
		if r == '\n' {
			lines = append(lines, s[start:i])
			start = i + 1
		}
	}
	return append(lines, s[start:])
}

func TestKeysAskTheControl(t *testing.T) {
	rec := &recorder{}
	tm := teatest.NewTestModel(t, New(Header{Model: "open"}, rec, time.Time{}), teatest.WithInitialTermSize(80, 24))
	for _, k := range []string{"+", "-", "]", "[", " ", "p", "g", "h"} {
		tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)})
	}
	want := []string{"scale 1.1 0", "scale 0.9090909090909091 0", "scale 2 0", "scale 0.5 0", "pause", "capture cpu", "capture goroutine", "capture heap"}
	tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("q")})
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	got := rec.got()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("control got %v, want %v", got, want)
	}
}

// A Control that cannot steer the load (a capacity search) is not asked
// to: the load's keys say so instead.
func TestKeysWithoutSteer(t *testing.T) {
	rec := &recorder{}
	var m tea.Model = New(Header{Model: SearchModel}, struct{ Control }{rec}, time.Time{})
	for _, k := range []string{"+", " ", "p"} {
		m, _ = m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)})
	}
	if got := rec.got(); fmt.Sprint(got) != "[capture cpu]" {
		t.Errorf("control got %v, want only the capture", got)
	}
	if got, want := m.(Model).events, []string{noScale, noPause}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("events %q, want %q", got, want)
	}
}

func TestHelpAndNoColor(t *testing.T) {
	m := New(Header{Model: "closed"}, &recorder{}, time.Time{})
	next, _ := m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("?")})
	if v := next.(Model).View(); !strings.Contains(v, "double or halve") {
		t.Errorf("help not shown:\n%s", v)
	}
	next, _ = next.Update(Done{})
	if v := next.(Model).View(); v != "" {
		t.Errorf("after Done the view is %q, want empty so the terminal is left clean", v)
	}
}

// BenchmarkFrame is what the dashboard costs the process per frame: one
// interval's Frame through Update, then View, at 120x40 in true colour, with
// a full history. A run sends one frame per interval, plus the clock's tick
// and the keys pressed.
func BenchmarkFrame(b *testing.B) {
	lipgloss.SetColorProfile(termenv.TrueColor)
	defer lipgloss.SetColorProfile(termenv.Ascii)
	h := Header{Targets: []string{"GET http://127.0.0.1:8080/api"}, Model: "closed", Duration: 30 * time.Second}
	var m tea.Model = New(h, &recorder{}, time.Now())
	m, _ = m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	fs := frames()
	for i := 0; i < 200; i++ { // a full history
		m, _ = m.Update(fs[i%len(fs)])
	}
	b.ReportAllocs()
	b.ResetTimer()
	var n int
	for i := 0; i < b.N; i++ {
		m, _ = m.Update(fs[i%len(fs)])
		n += len(m.View())
	}
	if n == 0 {
		b.Fatal("empty view")
	}
}

// A request in flight for a second or more is called out in the load panel:
// during a stall no response completes and the latency charts say nothing.
func TestStuckRequestShown(t *testing.T) {
	h := Header{Targets: []string{"GET http://127.0.0.1:8080/"}, Model: "closed", Duration: 30 * time.Second}
	var m tea.Model = New(h, &recorder{}, time.Time{})
	m, _ = m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	for _, c := range []struct {
		age   float64
		shown bool
	}{{0.2, false}, {2.5, true}} {
		m, _ = m.Update(Frame{T: 1, Metrics: map[string]float64{"throughput": 0, "inflight": 50, "oldest_inflight": c.age}})
		if got := strings.Contains(m.View(), "oldest request in flight for 2.50s"); got != c.shown {
			t.Errorf("oldest_inflight %gs: shown %v, want %v\n%s", c.age, got, c.shown, m.View())
		}
	}
}

// The wiring decides saturation (the report's own test); the panel shows it.
func TestSaturatedShown(t *testing.T) {
	var m tea.Model = New(Header{Model: "closed"}, &recorder{}, time.Time{})
	m, _ = m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	for _, sat := range []bool{false, true} {
		m, _ = m.Update(Frame{T: 1, Metrics: map[string]float64{"self.cpu": 99}, Saturated: sat})
		if got := strings.Contains(m.View(), "strain SATURATED"); got != sat {
			t.Errorf("Saturated %v: shown %v\n%s", sat, got, m.View())
		}
	}
}
