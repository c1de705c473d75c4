package tui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/term"
	"github.com/strain-dev/strain/alert"
	"github.com/strain-dev/strain/metric"
	"github.com/strain-dev/strain/report"
	"github.com/strain-dev/strain/session"
)

// closeWait bounds how long Finish waits for the terminal to be restored.
const closeWait = 3 * time.Second

// errQuit is why the run ended when the user quit the dashboard.
var errQuit = fmt.Errorf("the dashboard was quit: %w", session.ErrInterrupted)

// Dashboard runs the dashboard beside a session: a session.Sink fed each
// point, and an io.Writer for the run's event lines, which it shows under
// the panels while it owns the terminal.
type Dashboard struct {
	header  Header
	out     io.Writer
	control Control
	prog    *tea.Program // nil until the first point
	exited  chan struct{}
	ending  atomic.Bool // the run is over and closed the dashboard itself
	failed  error       // why the dashboard ended on its own, if not by the user; read after exited
	started time.Time

	mu    sync.Mutex // guards lines: written by the run's samplers and captures, drained per frame
	lines []string
}

var _ session.Finisher = (*Dashboard)(nil)

// NewDashboard makes the dashboard of a run described by h, to draw on
// out once started. Event lines written to it before then are kept for
// the first frame.
func NewDashboard(h Header, out io.Writer) *Dashboard {
	return &Dashboard{header: h, out: out, exited: make(chan struct{})}
}

// Terminal says why out cannot show the dashboard, or nil when it can: it
// must be a terminal.
func Terminal(out io.Writer) error {
	if f, ok := out.(*os.File); ok && term.IsTerminal(f.Fd()) {
		return nil
	}
	return errors.New("--tui: stdout is not a terminal; the dashboard needs one (without --tui, strain prints progress lines)")
}

// Want decides whether to show the dashboard on out: when out is a
// terminal, unless never; with force, on any file, such as a pipe.
func Want(force, never bool, out io.Writer) bool {
	if never {
		return false
	}
	f, ok := out.(*os.File)
	return ok && (force || term.IsTerminal(f.Fd()))
}

// Attach shows cfg's run on d: d takes its event lines (it owns the
// terminal) and its points, and the capturer opens for d's capture keys.
func (d *Dashboard) Attach(cfg *session.Config) {
	cfg.Log = d
	cfg.ManualCaptures = true
	cfg.Sinks = append(cfg.Sinks, d)
}

// Start readies the dashboard to act through c; it takes the terminal at
// the run's first point, so a run that cannot start leaves it alone. When
// the user quits, it calls c.End with a why that wraps
// session.ErrInterrupted: the run ends as an interrupt would end it.
func (d *Dashboard) Start(c Control) { d.control = c }

// open takes the terminal.
func (d *Dashboard) open() {
	d.started = time.Now()
	d.prog = tea.NewProgram(New(d.header, d.control, d.started), tea.WithOutput(d.out), tea.WithAltScreen(), tea.WithFPS(10))
	go func() {
		defer close(d.exited)
		_, err := d.prog.Run()
		if !d.ending.Load() {
			// A signal the program caught is the user's interrupt; any other
			// error (no terminal to read keys from, a panic) is its failure.
			if err != nil && !errors.Is(err, tea.ErrInterrupted) {
				d.failed = fmt.Errorf("dashboard: %w", err)
			}
			why := errQuit
			if d.failed != nil {
				why = fmt.Errorf("%w: %w", session.ErrInterrupted, d.failed)
			}
			d.control.End(why)
		}
	}()
}

// Write takes event lines to show.
func (d *Dashboard) Write(p []byte) (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, line := range strings.Split(strings.TrimRight(string(p), "\n"), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			d.lines = append(d.lines, line)
		}
	}
	return len(p), nil
}

func (d *Dashboard) drain() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	lines := d.lines
	d.lines = nil
	return lines
}

// Observe sends one point to the dashboard as a frame.
func (d *Dashboard) Observe(p *session.Point) {
	if d.prog == nil && d.control != nil {
		d.open()
	}
	if d.prog != nil {
		d.prog.Send(FrameOf(p, d.started, d.drain()))
	}
}

// Finish ends the dashboard and waits until the terminal is restored.
func (d *Dashboard) Finish(ctx context.Context, _ *report.Report) {
	if d.prog == nil {
		return
	}
	d.ending.Store(true)
	d.prog.Send(Done{})
	select {
	case <-d.exited:
	case <-time.After(closeWait):
		d.prog.Kill()
		<-d.exited
	}
}

// Err is why the dashboard failed, ending the run, once Finish has
// returned: nil when it was never shown, or ended by the user or the run.
func (d *Dashboard) Err() error {
	if d.prog == nil {
		return nil
	}
	<-d.exited
	return d.failed
}

// FrameOf is the frame that shows point p of a run started at start, with
// event lines.
func FrameOf(p *session.Point, start time.Time, lines []string) Frame {
	f := Frame{T: p.T, Metrics: p.Metrics, Bounds: p.Bounds, Status: map[string]int64{}, Errors: p.Errors,
		Events: lines, Paused: p.Paused, Saturated: p.Saturated}
	if p.Window != nil {
		f.Latency = LatencyOf(p.Window.Latency)
	}
	f.Runtimes, f.Names = p.TargetRuntimes, p.TargetNames
	for _, fd := range p.Findings {
		if fd.Severity != report.Info {
			f.Findings = append(f.Findings, findingOf(fd))
		}
	}
	maps.Copy(f.Status, p.Status)
	for _, st := range p.Alerts {
		f.Alerts = append(f.Alerts, alertOf(st, p.Time))
	}
	slices.SortStableFunc(f.Alerts, func(a, b Alert) int { return stateRank[a.State] - stateRank[b.State] })
	for _, pr := range p.Profiles {
		f.Profiles = append(f.Profiles, Profile{Target: pr.Target, Kind: pr.Kind, Reason: pr.Reason, Path: pr.Path, At: pr.Time.Sub(start).Seconds()})
	}
	return f
}

// stateRank orders the alerts panel: firing first.
var stateRank = map[string]int{"firing": 0, "pending": 1, "muted": 2}

// alertOf is a rule's standing as the alerts panel shows it. A warning
// muted by its critical shows as muted, as the events and the report have
// it, never as firing.
func alertOf(st alert.Status, now time.Time) Alert {
	state := string(st.State)
	if st.Muted {
		state = "muted"
	}
	return Alert{Rule: st.Rule.Text, State: state, Severity: string(st.Rule.Severity),
		Value: metric.Format(st.Rule.Metric, st.Value), Since: now.Sub(st.Since).Round(time.Second)}
}

// findingOf is a finding as the dashboard shows it.
func findingOf(fd report.Finding) Finding {
	f := Finding{Kind: fd.Kind, Severity: fd.Severity, Summary: fd.Summary, Culprit: fd.Culprit,
		Target: fd.Target, Start: fd.Start, End: fd.End, Next: fd.Next}
	for _, ev := range fd.Evidence {
		f.Evidence = append(f.Evidence, Evidence{Metric: ev.Metric, Shown: ev.Shown, Profile: ev.Profile, Top: ev.Top, Note: ev.Note})
	}
	return f
}
