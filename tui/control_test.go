package tui_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/strain-dev/strain/loadgen"
	"github.com/strain-dev/strain/report"
	"github.com/strain-dev/strain/session"
	"github.com/strain-dev/strain/tui"
)

// A key on the dashboard changes the session's concurrency, as the server
// sees it: "+" takes 3 in flight to 4, "]" doubles it, "-" takes 10% off,
// space pauses.
func TestKeysDriveTheSession(t *testing.T) {
	var inflight atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		inflight.Add(1)
		defer inflight.Add(-1)
		time.Sleep(20 * time.Millisecond)
	}))
	defer srv.Close()
	s, err := session.New(session.Config{Load: &loadgen.Config{Targets: []loadgen.Target{{URL: srv.URL}}, Concurrency: 3, Duration: 20 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan *report.Report)
	go func() {
		rep, _ := s.Run(context.Background())
		done <- rep
	}()
	var m tea.Model = tui.New(tui.Header{Model: "closed"}, s, time.Time{})
	press := func(k string) { m, _ = m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)}) }
	expect := func(n int64) {
		t.Helper()
		for deadline := time.Now().Add(5 * time.Second); inflight.Load() != n; time.Sleep(5 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("server sees %d in flight, want %d", inflight.Load(), n)
			}
		}
	}
	expect(3)
	press("+") // 10% of 3 rounds to nothing: one more
	expect(4)
	press("]")
	expect(8)
	press("-") // 8 ÷ 1.1
	expect(7)
	press(" ")
	expect(0)
	press(" ")
	expect(7)
	press("q")
	s.End(session.ErrInterrupted) // what the dashboard does when the user quits
	rep := <-done
	if rep == nil || !rep.Interrupted {
		t.Fatalf("quitting: report %v, want one marked interrupted", rep)
	}
	// Every change is in the report, in order, with its time.
	var levels []float64
	var paused []bool
	last := 0.0
	for _, c := range rep.Load.Changes {
		levels = append(levels, c.Level)
		if c.Paused != nil {
			paused = append(paused, *c.Paused)
		}
		if c.T < last {
			t.Errorf("changes out of order: %+v", rep.Load.Changes)
		}
		last = c.T
	}
	if !slices.Equal(levels, []float64{4, 8, 7, 7, 7}) || !slices.Equal(paused, []bool{true, false}) {
		t.Errorf("changes %+v: want 4, 8, 7, paused, resumed", rep.Load.Changes)
	}
}
