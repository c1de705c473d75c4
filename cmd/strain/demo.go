package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/strain-dev/strain/internal/exitcode"

	"github.com/spf13/cobra"
	"github.com/strain-dev/strain/loadgen"
	"github.com/strain-dev/strain/monitor"
	"github.com/strain-dev/strain/profiles"
	"github.com/strain-dev/strain/report"
	"github.com/strain-dev/strain/session"
	"github.com/strain-dev/strain/session/lines"
	"github.com/strain-dev/strain/target"
	"github.com/strain-dev/strain/tui"
)

func newDemoCmd(stdout, stderr io.Writer) *cobra.Command {
	var dur time.Duration
	var noTUI bool
	var output, html string
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Start the demo target and walk a load through a leak, a starved scheduler and a stall",
		Long: `Start the demo target as a child process and load it for a minute while it
goes from healthy to leaking goroutines, to a starved scheduler, to a stall,
and back, with the default alerts on: the dashboard shows them fire and
profiles captured. Without a terminal it prints progress lines instead.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if dur < 5*time.Second {
				return exitcode.UsageError(errors.New("demo needs -d of at least 5s"))
			}
			return runDemo(cmd.Context(), dur, tui.Want(false, noTUI, stdout), report.Outputs{JSON: output, HTML: html}, stdout, stderr)
		},
	}
	cmd.Flags().DurationVarP(&dur, "duration", "d", target.ScenarioDuration, "length of the demo")
	cmd.Flags().BoolVar(&noTUI, "no-tui", false, "no dashboard: progress lines on stderr")
	cmd.Flags().StringVarP(&output, "output", "o", "", "write the JSON report to this file")
	cmd.Flags().StringVar(&html, "html", "", "write the HTML report, with the profiles' flame graphs, to this file")
	return cmd
}

func runDemo(ctx context.Context, dur time.Duration, ui bool, out report.Outputs, stdout, stderr io.Writer) error {
	base, stop, err := target.Spawn(ctx, "", stderr)
	if err != nil {
		return exitcode.CannotRunError(err)
	}
	defer stop()
	load := loadgen.Config{Targets: []loadgen.Target{{Method: "GET", URL: base + "/ok"}}, Rate: 300, Duration: dur}
	verdict := &verdictFlags{alertFiles: []string{"default"}, profiles: profiles.DefaultDir, out: out}
	watch := []monitor.Spec{{Name: "demo", Bases: []string{base}}}
	l := launch{cfg: session.Config{Load: &load, Watch: watch}, verdict: verdict,
		ui: ui, lines: lines.Progress, out: verdict.outputs(out.JSON)}
	if err := verdict.apply(&l.cfg); err != nil {
		return err
	}
	// The scenario's lines go where the run's do: the dashboard, or stderr.
	// It ends with the run, however the run ends (an interrupt, the
	// dashboard's q), before the target is stopped.
	play, endPlay := context.WithCancel(ctx)
	var played sync.WaitGroup
	defer played.Wait()
	defer endPlay()
	l.begin = func(log io.Writer) {
		fmt.Fprintf(log, "demo target serving on %s\n", base)
		played.Add(1)
		go func() {
			defer played.Done()
			target.Play(play, base, target.Scenario, dur, log)
		}()
	}
	return withProcs(0, load, func() error { return l.execute(ctx, stdout, stderr) })
}
