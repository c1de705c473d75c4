package tui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/strain-dev/strain/capacity"
	"github.com/strain-dev/strain/report"
)

// searcher is a Control running a capacity search: its progress is set
// by the test.
type searcher struct {
	recorder
	p capacity.Progress
}

func (s *searcher) Progress() capacity.Progress { return s.p }

// searchSoFar is a search four steps in: 100 and 200 req/s held, 400
// failed its p99, 300 held; 350 req/s is running.
func searchSoFar() capacity.Progress {
	step := func(rate, tput, p99 float64, pass bool) report.Step {
		st := report.Step{Rate: rate, Pass: pass, Summary: map[string]float64{"throughput": tput, "latency.p99": p99, "error_rate": 0}}
		st.SLOs = []report.Gate{{Expr: "latency.p99 < 50ms", Pass: pass, Shown: fmt.Sprintf("%.1fms", p99*1000)}}
		return st
	}
	return capacity.Progress{
		Steps: []report.Step{step(100, 100, 0.004, true), step(200, 199.5, 0.011, true), step(400, 371, 0.0883, false), step(300, 299, 0.031, true)},
		Held:  300, Failed: 400, Running: 350,
	}
}

// A capacity search's panel: the bracket, the latest steps with their
// verdicts, the step running now with its figures.
func TestSearchPanel(t *testing.T) {
	h := Header{Targets: []string{"GET http://127.0.0.1:8080/api"}, Model: SearchModel, Duration: 5 * time.Minute}
	fs := frames()
	for i := range fs {
		f := &fs[i]
		f.Metrics["rate"] = 350
		delete(f.Metrics, "concurrency")
		f.Metrics["latency.p99"] = 0.042
		f.T = 60 + float64(i)
		f.Findings, f.Alerts, f.Profiles = nil, nil, nil
	}
	msgs := append(msgsOf(fs), searchSoFar())
	eachScreen(t, map[string][]tea.Msg{"": msgs}, func(t *testing.T, size [2]int, _ string) {
		view := finalView(t, New(h, &searcher{}, time.Time{}), size, msgs...)
		want := []string{"capacity · held 300 req/s · failed 400 req/s · 4 steps", "FAILED latency.p99 < 50ms (88.3ms)", "▸ 350 req/s", "running"}
		for _, w := range want {
			if !strings.Contains(view, w) {
				t.Errorf("the search's panel lacks %q:\n%s", w, view)
			}
		}
		teatest.RequireEqualOutput(t, []byte(view))
	})
}

// The clock's tick asks a Searcher for its progress, and only a Searcher.
func TestTickPollsTheSearch(t *testing.T) {
	s := &searcher{p: searchSoFar()}
	if cmd := New(Header{}, s, time.Time{}).pollSearch(); cmd == nil {
		t.Fatal("no poll for a Searcher")
	} else if got, ok := cmd().(capacity.Progress); !ok || got.Held != 300 {
		t.Errorf("poll gave %#v", cmd())
	}
	if cmd := New(Header{}, &recorder{}, time.Time{}).pollSearch(); cmd != nil {
		t.Error("a poll for a Control that runs no search")
	}
}
