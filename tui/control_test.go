package tui_test

import (
	"context"
	"net/http"
	"net/http/httptest"
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
// sees it: "]" doubles 3 in flight to 6, "-" takes it to 5, space pauses.
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
	press("]")
	expect(6)
	press("-")
	expect(5)
	press(" ")
	expect(0)
	press(" ")
	expect(5)
	press("q")
	s.Stop() // what the dashboard does when the user quits
	if rep := <-done; rep == nil || !rep.Interrupted {
		t.Errorf("quitting: report %v, want one marked interrupted", rep)
	}
}
