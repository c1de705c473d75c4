package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"
	"github.com/strain-dev/strain/loadgen"
	"github.com/strain-dev/strain/monitor"
	"github.com/strain-dev/strain/report"
	"github.com/strain-dev/strain/tui"
)

// probeWait bounds the check that the targets are reachable at the start.
const probeWait = loadgen.DefaultProbeWait

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
			cfg, err := f.config(cmd, args)
			if err != nil {
				return usageErr(err)
			}
			specs, err := parseSpecs(f.watch)
			if err != nil {
				return usageErr(err)
			}
			ui := wantTUI(f.tui, f.noTUI, stdout)
			errOut := stderr
			var events *lineBuffer
			if ui {
				events = &lineBuffer{} // the dashboard owns the terminal: lines go to it
				errOut = events
			}
			j, err := f.verdict.newJudge(specs, errOut)
			if err != nil {
				return usageErr(err)
			}
			if ui && j.captures == nil {
				if j.captures, err = startCaptures(f.verdict.profiles, specs, errOut); err != nil {
					return usageErr(err)
				}
			}
			out := f.verdict.outputs(f.output)
			if err := out.check(); err != nil {
				return usageErr(err)
			}
			defer j.close(cmd.Context())
			return withProcs(procs(f.procs, cfg), func() error {
				return runLoad(cmd.Context(), cfg, specs, j, out, stdout, errOut, events)
			})
		},
	}
	f.register(cmd)
	return cmd
}

// errQuit is the cause of a run the user ended from the dashboard.
var errQuit = errors.New("quit from the dashboard")

// runLoad carries out one run: check the targets, send the load, show
// progress (lines on stderr, or the dashboard when events is not nil),
// alerts and the summary, judge the gates, write the outputs.
func runLoad(ctx context.Context, cfg loadgen.Config, specs []monitor.Spec, j *judge, out outputs, stdout, stderr io.Writer, events *lineBuffer) error {
	if err := loadgen.Probe(ctx, cfg.Targets, probeWait); err != nil {
		if ctx.Err() != nil {
			return interruptedErr(ctx.Err())
		}
		return cannotRunErr(err)
	}
	eng, err := loadgen.New(cfg)
	if err != nil {
		return usageErr(err)
	}
	watch := startWatcher(ctx, specs, eng.Config().Interval, stderr)
	rep := newReport(eng.Config())
	runCtx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	windows := eng.Start(runCtx)
	var latest atomic.Pointer[map[string]float64]
	dash := openDashboard(eng, j, rep, events, &latest, stdout, func() { stop(errQuit) })
	for w := range windows {
		p := point(&w, eng.Config().Open())
		watch.metrics(p.Metrics)
		rep.Series = append(rep.Series, p)
		latest.Store(&p.Metrics)
		if why := j.observe(time.Now(), &w, &p); why != "" {
			stop(abortRun(stderr, why, p.T))
		}
		if dash == nil {
			writeProgress(stderr, &p)
		}
		dash.frame(&p, w.Status, w.Kinds, j.eval.Active(), j.captures.list())
	}
	dash.close()
	res := eng.Result()
	finishReport(rep, &res)
	// An abort cancels the run but is no interrupt; quitting the dashboard is one.
	rep.Interrupted = ctx.Err() != nil || errors.Is(context.Cause(runCtx), errQuit)
	watch.finish(rep)
	j.finish(ctx, rep)
	noteAbort(rep, context.Cause(runCtx))
	return writeOutputs(rep, out, stdout)
}

// openDashboard starts the dashboard when events is not nil.
func openDashboard(eng *loadgen.Engine, j *judge, rep *report.Report, events *lineBuffer, latest *atomic.Pointer[map[string]float64], stdout io.Writer, quit func()) *dashboard {
	if events == nil {
		return nil
	}
	metrics := func() map[string]float64 {
		if m := latest.Load(); m != nil {
			return *m
		}
		return nil
	}
	h := tui.Header{Targets: rep.Load.Targets, Model: rep.Load.Model, Duration: eng.Config().Duration, Stages: len(rep.Load.Stages)}
	return startDashboard(h, &runControl{eng: eng, captures: j.captures, metrics: metrics}, eng.Paused, events, stdout, quit)
}

func writeProgress(w io.Writer, p *report.Point) {
	m := p.Metrics
	fmt.Fprintf(w, "%6.1fs  %8s req  %9s req/s  p50 %8s  p99 %8s  errors %s  inflight %s\n",
		p.T, report.Number(m["requests"]), report.Number(m["throughput"]),
		seconds(m, "latency.p50"), seconds(m, "latency.p99"),
		report.Number(m["errors"]), report.Number(m["inflight"]))
}

// seconds formats metric name of m as a duration, or "-" when it has no data.
func seconds(m map[string]float64, name string) string {
	v, ok := m[name]
	if !ok {
		return "-"
	}
	return report.Seconds(v)
}
