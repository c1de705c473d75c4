package main

import (
	"io"

	"github.com/spf13/cobra"
	"github.com/strain-dev/strain/loadgen"
	"github.com/strain-dev/strain/session"
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
measured from each request's intended start; -c then caps requests in flight.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			load, err := f.config(cmd, args)
			if err != nil {
				return usageErr(err)
			}
			specs, err := parseSpecs(f.watch)
			if err != nil {
				return usageErr(err)
			}
			l := launch{cfg: session.Config{Load: &load, Watch: specs}, verdict: &f.verdict,
				ui: wantTUI(f.tui, f.noTUI, stdout), header: loadHeader(load), lines: session.Progress(stderr),
				out: f.verdict.outputs(f.output)}
			if err := f.verdict.apply(&l.cfg); err != nil {
				return usageErr(err)
			}
			if err := l.out.check(); err != nil {
				return usageErr(err)
			}
			return withProcs(procs(f.procs, load), func() error { return l.execute(cmd.Context(), stdout, stderr) })
		},
	}
	f.register(cmd)
	return cmd
}

// loadHeader is the dashboard's header for a load.
func loadHeader(cfg loadgen.Config) tui.Header {
	h := tui.Header{Model: "closed", Duration: cfg.Duration, Stages: len(cfg.Stages)}
	if cfg.Open() {
		h.Model = "open"
	}
	for _, t := range cfg.Targets {
		h.Targets = append(h.Targets, t.Method+" "+session.Redact(t.URL))
	}
	return h
}
