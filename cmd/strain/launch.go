package main

import (
	"cmp"
	"context"
	"errors"
	"io"
	"os"

	"github.com/strain-dev/strain/internal/exitcode"

	"github.com/strain-dev/strain/report"
	"github.com/strain-dev/strain/session"
	"github.com/strain-dev/strain/session/lines"
	"github.com/strain-dev/strain/tui"
)

// launch is what run, watch and demo share: a session, shown on the
// dashboard or as lines, guarded against a second signal, and its outputs.
type launch struct {
	cfg     session.Config
	verdict *verdictFlags
	ui      bool                         // the dashboard, else lines on stderr
	lines   func(io.Writer) session.Sink // for without it: progress lines on stderr; nil for none
	out     report.Outputs
	begin   func(log io.Writer) // called as the run begins, with where its lines go
	summary io.Writer           // where the text summary goes; nil for stdout
	// runner makes what carries out cfg (nil: one session): a capacity
	// search runs a session per step.
	runner func(cfg session.Config) (runner, error)
	header *tui.Header // the dashboard's, when not cfg's own
}

// runner carries out a launch: one session, or a search of them. The
// dashboard drives it, and a second signal shuts its captures.
type runner interface {
	tui.Control
	Run(ctx context.Context) (*report.Report, error)
	Shut() error
}

func newSession(cfg session.Config) (runner, error) { return session.New(cfg) }

// execute carries out the launch and returns the error that decides the
// exit code.
func (l launch) execute(ctx context.Context, stdout, stderr io.Writer) error {
	if err := l.out.Check(); err != nil { // before any load
		return exitcode.UsageError(err)
	}
	cfg, stderr := l.cfg, lines.Shared(stderr) // the log and the lines share it
	cfg.Log = stderr
	var dash *tui.Dashboard
	if l.ui {
		if err := tui.Terminal(stdout); err != nil {
			return exitcode.UsageError(err)
		}
		h := tui.HeaderOf(cfg)
		if l.header != nil {
			h.Model, h.Duration = l.header.Model, l.header.Duration
		}
		dash = tui.NewDashboard(h, stdout)
		dash.Attach(&cfg)
	} else if l.lines != nil {
		cfg.Sinks = append(cfg.Sinks, l.lines(stderr))
	}
	more, stopSinks, err := l.verdict.sinks(cfg.Log, cfg.Load != nil && !cfg.Load.Segment.Whole())
	if err != nil {
		return exitcode.UsageError(err)
	}
	cfg.Sinks = append(cfg.Sinks, more...)
	if l.runner == nil {
		l.runner = newSession
	}
	s, err := l.runner(cfg)
	if err != nil {
		stopSinks()
		return exitcode.UsageError(err)
	}
	// A second signal waits for a capture being written, not to leave a
	// temporary file behind. Run has closed the captures when it returns.
	defer exits.OnExit(s.Shut)()
	if dash != nil {
		dash.Start(s)
	}
	if l.begin != nil {
		l.begin(cfg.Log)
	}
	rep, err := s.Run(ctx)
	if err != nil {
		stopSinks()
		var unreachable *session.UnreachableError
		if errors.As(err, &unreachable) {
			return exitcode.CannotRunError(err)
		}
		return exitcode.InterruptedError(err)
	}
	err = writeOutputs(rep, rep.Renderers(), l.out, cmp.Or(l.summary, stdout))
	if dash != nil && dash.Err() != nil {
		// It stopped the run: the interrupt that followed is not the
		// user's. The outputs asked for are written all the same.
		return exitcode.CannotRunError(errors.Join(dash.Err(), lostOutputs(err)))
	}
	return err
}

// lostOutputs is err when it says outputs were lost, else nil.
func lostOutputs(err error) error {
	if exitcode.Of(err) == exitcode.Usage {
		return err
	}
	return nil
}

// outputs are the files a run writes besides its text summary: the flags' and $GITHUB_STEP_SUMMARY.
func (f *verdictFlags) outputs(json string) report.Outputs {
	out := f.out
	out.JSON, out.StepSummary = json, os.Getenv("GITHUB_STEP_SUMMARY")
	return out
}

// writeOutputs prints the summary and writes each file asked for with r
// (rep's, or a comparison's), a lost one not stopping the rest, a second
// signal waiting; the error's code: 2 an output lost, else rep's verdict.
func writeOutputs(rep *report.Report, r report.Renderers, out report.Outputs, stdout io.Writer) error {
	defer exits.Begin()()
	if err := out.WriteAll(r, stdout); err != nil { // one line, however many were lost
		return exitcode.UsageError(err)
	}
	switch {
	case rep.Interrupted:
		return exitcode.InterruptedError(errors.New("interrupted"))
	case !rep.Passed:
		return exitcode.GateError(rep.Failure())
	}
	return nil
}
