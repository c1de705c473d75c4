package main

import (
	"io"
	"maps"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/term"
	"github.com/strain-dev/strain/alert"
	"github.com/strain-dev/strain/report"
	"github.com/strain-dev/strain/tui"
)

// wantTUI decides whether to show the dashboard: on when stdout is a
// terminal, unless --no-tui; --tui insists.
func wantTUI(force, never bool, stdout io.Writer) bool {
	if never {
		return false
	}
	f, ok := stdout.(*os.File)
	isTerm := ok && term.IsTerminal(f.Fd())
	return isTerm || (force && ok)
}

// lineBuffer collects the lines that would go to stderr while the
// dashboard owns the terminal; each frame takes them.
type lineBuffer struct {
	mu    sync.Mutex // written by the samplers' and judge's callers, drained per frame
	lines []string
}

func (b *lineBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, line := range strings.Split(strings.TrimRight(string(p), "\n"), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			b.lines = append(b.lines, line)
		}
	}
	return len(p), nil
}

func (b *lineBuffer) drain() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	lines := b.lines
	b.lines = nil
	return lines
}

// dashboard runs the TUI beside a run and feeds it frames.
type dashboard struct {
	prog    *tea.Program
	exited  chan struct{}
	ending  atomic.Bool // the run is over and closed the dashboard itself
	events  *lineBuffer
	paused  func() bool
	status  map[string]int64
	errors  map[string]int64
	started time.Time
}

// startDashboard opens the dashboard on stdout; cancel is called when the
// user quits, which stops the run as an interrupt would.
func startDashboard(h tui.Header, c tui.Control, paused func() bool, events *lineBuffer, stdout io.Writer, cancel func()) *dashboard {
	d := &dashboard{exited: make(chan struct{}), events: events, paused: paused,
		status: map[string]int64{}, errors: map[string]int64{}, started: time.Now()}
	d.prog = tea.NewProgram(tui.New(h, c, d.started), tea.WithOutput(stdout), tea.WithAltScreen(), tea.WithFPS(10))
	go func() {
		defer close(d.exited)
		d.prog.Run()
		if !d.ending.Load() {
			cancel() // the user quit: stop the run, as an interrupt would
		}
	}()
	return d
}

// frame sends one interval to the dashboard.
func (d *dashboard) frame(p *report.Point, status map[int]int64, kinds map[string]int64, active []alert.Status, profiles []report.Profile) {
	if d == nil {
		return
	}
	for code, n := range status {
		d.status[strconv.Itoa(code)] += n
	}
	for k, n := range kinds {
		d.errors[k] += n
	}
	f := tui.Frame{T: p.T, Metrics: p.Metrics, Status: maps.Clone(d.status), Errors: maps.Clone(d.errors),
		Events: d.events.drain(), Paused: d.paused(), Saturated: saturated(p.Metrics)}
	for _, st := range active {
		f.Alerts = append(f.Alerts, tui.Alert{Rule: st.Rule.Text, State: string(st.State), Severity: string(st.Rule.Severity),
			Value: alert.FormatValue(st.Rule.Metric, st.Value), Since: time.Since(st.Since).Round(time.Second)})
	}
	sort.Slice(f.Alerts, func(i, j int) bool { return f.Alerts[i].State > f.Alerts[j].State })
	for _, pr := range profiles {
		f.Profiles = append(f.Profiles, tui.Profile{Target: pr.Target, Kind: pr.Kind, Reason: pr.Reason, Path: pr.Path, At: pr.Time.Sub(d.started).Seconds()})
	}
	d.prog.Send(f)
}

// close ends the dashboard and waits until the terminal is restored.
func (d *dashboard) close() {
	if d == nil {
		return
	}
	d.ending.Store(true)
	d.prog.Send(tui.Done{})
	select {
	case <-d.exited:
	case <-time.After(3 * time.Second):
		d.prog.Kill()
		<-d.exited
	}
}
