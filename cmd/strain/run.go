package main

import (
	"io"

	"github.com/strain-dev/strain/internal/exitcode"

	"github.com/spf13/cobra"
	"github.com/strain-dev/strain/alert"
	"github.com/strain-dev/strain/monitor"
	"github.com/strain-dev/strain/session"
	"github.com/strain-dev/strain/session/lines"
	"github.com/strain-dev/strain/tui"
)

func newRunCmd(stdout, stderr io.Writer) *cobra.Command {
	f := &runFlags{}
	cmd := &cobra.Command{
		Use:   "run [flags] URL...",
		Short: "Put one or more URLs under load",
		Long: `Put one or more URLs under load and report what happened.

Closed model (-c N): N requests in flight at all times. Open model (-r R):
R requests/s started on schedule whatever the target does, with latency
measured from each request's intended start; -c then caps requests in flight.` + "\n\n" + alert.Help(),
		RunE: func(cmd *cobra.Command, args []string) error {
			load, err := f.config(cmd, args)
			if err != nil {
				return configErr(err)
			}
			specs, err := monitor.ParseSpecs(f.watch, session.SelfName)
			if err != nil {
				return exitcode.UsageError(err)
			}
			l := launch{cfg: session.Config{Load: &load, Watch: specs}, verdict: &f.verdict,
				ui: tui.Want(f.tui, f.noTUI, stdout), lines: lines.Progress, out: f.verdict.outputs(f.output)}
			if err := f.verdict.apply(&l.cfg); err != nil {
				return exitcode.UsageError(err)
			}
			if l.cfg.StartAt, err = f.startTime(); err != nil {
				return exitcode.UsageError(err)
			}
			return withProcs(f.procs, load, func() error { return l.execute(cmd.Context(), stdout, stderr) })
		},
	}
	f.register(cmd)
	return cmd
}
