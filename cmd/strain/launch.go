package main

import (
	"context"
	"errors"
	"io"
	"os"

	"github.com/charmbracelet/x/term"
	"github.com/strain-dev/strain/report"
	"github.com/strain-dev/strain/session"
	"github.com/strain-dev/strain/tui"
)

// launch is what run, watch and demo share: a session, shown on the
// dashboard or as lines, guarded against a second signal, and its outputs.
type launch struct {
	cfg     session.Config
	verdict *verdictFlags
	ui      bool         // the dashboard, else lines on stderr
	header  tui.Header   // for the dashboard
	lines   session.Sink // for without it: progress lines; nil for none
	out     outputs
	begin   func(log io.Writer) // called as the run begins, with where its lines go
}

// execute carries out the launch and returns the error that decides the
// exit code; the text summary goes to stdout.
func (l launch) execute(ctx context.Context, stdout, stderr io.Writer) error {
	return l.executeTo(ctx, stdout, stderr, stdout)
}

// executeTo is execute with the text summary going to summary.
func (l launch) executeTo(ctx context.Context, stdout, stderr, summary io.Writer) error {
	cfg := l.cfg
	cfg.Log = stderr
	var dash *tui.Dashboard
	if l.ui {
		dash = tui.NewDashboard(l.header, stdout)
		cfg.Log = dash // the dashboard owns the terminal: lines go to it
		cfg.ManualCaptures = true
		cfg.Sinks = append(cfg.Sinks, dash)
	} else if l.lines != nil {
		cfg.Sinks = append(cfg.Sinks, l.lines)
	}
	more, stopSinks, err := l.verdict.sinks(cfg.Log)
	if err != nil {
		return usageErr(err)
	}
	cfg.Sinks = append(cfg.Sinks, more...)
	s, err := session.New(cfg)
	if err != nil {
		stopSinks()
		return usageErr(err)
	}
	// A second signal waits for a capture being written, not to leave a
	// temporary file behind. Run has closed the captures when it returns.
	defer exits.onExit(s.Shut)()
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
			return cannotRunErr(err)
		}
		return interruptedErr(err)
	}
	return writeOutputs(rep, l.out, summary)
}

// finishAll ends sinks of a run that never began.
func finishAll(sinks []session.Sink) {
	for _, s := range sinks {
		if f, ok := s.(session.Finisher); ok {
			f.Finish(context.Background(), report.New())
		}
	}
}

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
