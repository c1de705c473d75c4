package main

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/strain-dev/strain/internal/exitcode"

	"github.com/spf13/cobra"
	"github.com/strain-dev/strain/alert"
	"github.com/strain-dev/strain/monitor"
	"github.com/strain-dev/strain/session"
	"github.com/strain-dev/strain/session/lines"
	"github.com/strain-dev/strain/tui"
)

// watchFlags are strain watch's own flags.
type watchFlags struct {
	duration, interval time.Duration
	jsonl              bool
	output             string
	tui, noTUI         bool
	verdict            verdictFlags
}

func newWatchCmd(stdout, stderr io.Writer) *cobra.Command {
	f := &watchFlags{}
	cmd := &cobra.Command{
		Use:   "watch [flags] SPEC...",
		Short: "Monitor targets' runtime without load",
		Long: `Monitor one or more targets (and strain itself) without load: the live
dashboard on a terminal; else a line per interval on stderr, or JSON lines
on stdout with --jsonl. A SPEC joins sources of one target with commas — a
base URL (its endpoints are found on their own), pid:N,
prom:URL[#series,...], pprof:URL — and may be named:
api=http://127.0.0.1:8080,pid:4242.` + "\n\n" + alert.Help(),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return exitcode.UsageError(errors.New("nothing to watch: strain watch [flags] SPEC..."))
			}
			specs, err := monitor.ParseSpecs(args, session.SelfName)
			if err != nil {
				return exitcode.UsageError(err)
			}
			l := launch{cfg: session.Config{Watch: specs, Interval: f.interval, Duration: f.duration}, verdict: &f.verdict,
				ui: !f.jsonl && tui.Want(f.tui, f.noTUI, stdout), lines: lines.Runtimes, out: f.verdict.outputs(f.output)}
			ctx := cmd.Context()
			if f.jsonl {
				// The lines are what a reader piped them to came for: once it
				// has gone (strain watch --jsonl | head -1), the run ends as
				// an interrupt does, and its other outputs are still written.
				var cancel context.CancelFunc
				ctx, cancel = context.WithCancel(ctx)
				defer cancel()
				l.lines = func(log io.Writer) session.Sink {
					return lines.JSON(lines.UntilGone(stdout, cancel, log))
				}
			}
			if !l.ui {
				// No summary: the lines have said it on stderr, and --jsonl
				// owns stdout.
				l.summary = io.Discard
			}
			if err := f.verdict.apply(&l.cfg); err != nil {
				return exitcode.UsageError(err)
			}
			return l.execute(ctx, stdout, stderr)
		},
	}
	fl := cmd.Flags()
	fl.DurationVarP(&f.duration, "duration", "d", 0, "how long to watch (0: until interrupted)")
	fl.DurationVar(&f.interval, "interval", monitor.DefaultInterval, "sampling interval (at least 100ms)")
	fl.BoolVar(&f.jsonl, "jsonl", false, "write each interval's metrics as a JSON line on stdout (no dashboard); the run ends, interrupted, when stdout's reader goes")
	fl.StringVarP(&f.output, "output", "o", "", "write the JSON report to this file")
	fl.BoolVar(&f.tui, "tui", false, "the live dashboard (on by default when stdout is a terminal)")
	fl.BoolVar(&f.noTUI, "no-tui", false, "no dashboard: a line per interval on stderr")
	f.verdict.register(cmd)
	return cmd
}
