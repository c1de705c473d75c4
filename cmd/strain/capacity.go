package main

import (
	"fmt"
	"io"
	"time"

	"github.com/strain-dev/strain/internal/exitcode"

	"github.com/spf13/cobra"
	"github.com/strain-dev/strain/alert"
	"github.com/strain-dev/strain/capacity"
	"github.com/strain-dev/strain/monitor"
	"github.com/strain-dev/strain/session"
	"github.com/strain-dev/strain/tui"
)

// capacityFlags are strain capacity's own flags, beside run's.
type capacityFlags struct {
	run                         runFlags
	slos                        []string
	precision                   string
	start, ceiling              float64
	step, warmup, pause, budget time.Duration
}

// notForCapacity are run's flags a search sets itself, or has no use for.
var notForCapacity = map[string]string{
	"rate": "--start and --ceiling", "duration": "--step", "requests": "--step", "stages": "--start",
	"baseline": "", "max-regression": "", "fail-on": "", "segment": "", "start-at": "", "abort-on-fail": "", "abort-after": "", "cooldown": "--pause",
}

func newCapacityCmd(stdout, stderr io.Writer) *cobra.Command {
	f := &capacityFlags{}
	cmd := &cobra.Command{
		Use:   "capacity [flags] URL... --slo EXPR...",
		Short: "Find the highest rate at which every SLO holds, and what bound it",
		Long: `Find the highest open-model rate at which every SLO holds, and say which
SLO bound it. From --start the rate doubles until a step fails, then the
search bisects between the highest rate that held and the lowest that
failed, until they are within --precision. Each step warms up, is measured
for --step, and is followed by a pause for the target to recover. A step
also fails when the target completes less than 95% of the rate, or fails
half its requests; a target that errors hard or stalls makes the search
back off. SLOs are gates on the step's measured part; a runtime series
named without .min|.mean|.max|.last is its mean over the step.
--gate judges the result: 'capacity >= 5000'.` + "\n\n" + alert.Help(),
		RunE: func(cmd *cobra.Command, args []string) error {
			for name, instead := range notForCapacity {
				if cmd.Flags().Changed(name) {
					return exitcode.UsageError(notFor(name, instead))
				}
			}
			return f.execute(cmd, args, stdout, stderr)
		},
	}
	f.run.register(cmd)
	fl := cmd.Flags()
	fl.StringArrayVar(&f.slos, "slo", nil, "an SLO every step must meet, e.g. 'latency.p99 < 50ms' (repeatable; at least one)")
	fl.StringVar(&f.precision, "precision", "5%", "how close the answer must be to the true capacity, e.g. 5% or 0.05")
	fl.Float64Var(&f.start, "start", capacity.DefaultStart, "the first rate tried, req/s")
	fl.Float64Var(&f.ceiling, "ceiling", capacity.DefaultCeiling, "no rate above it is tried, req/s")
	fl.DurationVar(&f.step, "step", capacity.DefaultStep, "how long each step is measured, after its warm-up")
	fl.DurationVar(&f.warmup, "warmup", capacity.DefaultWarmup, "each step's warm-up, not measured")
	fl.DurationVar(&f.pause, "pause", capacity.DefaultPause, "the pause after each step, for the target to recover")
	fl.DurationVar(&f.budget, "max-time", capacity.DefaultMaxTime, "the search's time budget: no step begins that could not end within it")
	for name := range notForCapacity {
		fl.MarkHidden(name)
	}
	return cmd
}

func notFor(flag, instead string) error {
	if instead == "" {
		return fmt.Errorf("--%s does not apply to strain capacity", flag)
	}
	return fmt.Errorf("--%s does not apply to strain capacity: the search sets it (see %s)", flag, instead)
}

func (f *capacityFlags) execute(cmd *cobra.Command, args []string, stdout, stderr io.Writer) error {
	if len(f.slos) == 0 {
		return exitcode.UsageError(fmt.Errorf("no SLO: strain capacity URL... --slo 'latency.p99 < 50ms'"))
	}
	precision, err := capacity.ParsePrecision(f.precision)
	if err != nil {
		return exitcode.UsageError(fmt.Errorf("--%w", err))
	}
	load, err := f.run.config(cmd, args)
	if err != nil {
		return configErr(err)
	}
	if !cmd.Flags().Changed("concurrency") {
		load.Concurrency = 0 // the open model's own cap
	}
	specs, err := monitor.ParseSpecs(f.run.watch, session.SelfName)
	if err != nil {
		return exitcode.UsageError(err)
	}
	slos, err := alert.ParseGates(f.slos, session.Catalogue(specs))
	if err != nil {
		return exitcode.UsageError(fmt.Errorf("--slo: %w", err))
	}
	// Without the dashboard, the log's line per step is the progress.
	l := launch{cfg: session.Config{Load: &load, Watch: specs}, verdict: &f.run.verdict,
		ui: tui.Want(f.run.tui, f.run.noTUI, stdout), out: f.run.verdict.outputs(f.run.output)}
	if err := f.run.verdict.apply(&l.cfg); err != nil {
		return exitcode.UsageError(err)
	}
	search := capacity.Config{SLOs: slos, Gates: l.cfg.Gates, Start: f.start, Ceiling: f.ceiling, Precision: precision,
		Step: f.step, Warmup: f.warmup, Pause: f.pause, MaxTime: f.budget}
	if f.pause == 0 {
		search.Pause = -1 // none, where the library's zero is its default
	}
	l.header = &tui.Header{Model: tui.SearchModel, Duration: f.budget}
	l.runner = func(cfg session.Config) (runner, error) {
		search.Run = cfg
		return capacity.New(search)
	}
	open := load // the open model's share of the cores: with one, its pacer's sleeps delay reading responses
	open.Rate = f.start
	return withProcs(f.run.procs, open, func() error { return l.execute(cmd.Context(), stdout, stderr) })
}
