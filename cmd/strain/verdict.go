package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"
	"github.com/strain-dev/strain/alert"
	"github.com/strain-dev/strain/diagnose"
	"github.com/strain-dev/strain/export"
	"github.com/strain-dev/strain/monitor"
	"github.com/strain-dev/strain/profiles"
	"github.com/strain-dev/strain/report"
	"github.com/strain-dev/strain/session"
	"github.com/strain-dev/strain/webhook"
)

// verdictFlags are the flags run and watch share for alerts, gates and the
// outputs that CI reads.
type verdictFlags struct {
	alerts, alertFiles, gates []string
	baseline, maxRegression   string
	abortOnFail, noDiagnose   bool
	abortAfter, cooldown      time.Duration
	failOn                    string
	webhook, profiles, listen string
	traces                    string         // --trace-windows
	out                       report.Outputs // --junit, --markdown, --html
}

func (f *verdictFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringArrayVar(&f.alerts, "alert", nil, "alert rule, e.g. 'crit: target.sched_latency.p99 > 10ms for 5s' (repeatable)")
	fl.StringArrayVar(&f.alertFiles, "alerts", nil, "YAML rules file, or 'default' for the built-in set (repeatable)")
	fl.StringArrayVar(&f.gates, "gate", nil, "CI gate on the whole run, e.g. 'latency.p99 < 200ms'; exit 1 if one fails (repeatable)")
	fl.StringVar(&f.baseline, "baseline", "", "compare this run to a previous JSON report, as gates")
	fl.StringVar(&f.maxRegression, "max-regression", alert.DefaultMaxRegression, "with --baseline: how far each metric may move, e.g. 'latency.p99=+10%,throughput=-5%'")
	fl.BoolVar(&f.abortOnFail, "abort-on-fail", false, "end the run early once a sustained breach makes a gate fail")
	fl.DurationVar(&f.abortAfter, "abort-after", 10*time.Second, "with --abort-on-fail: how long a breach must last")
	fl.StringVar(&f.failOn, "fail-on", "", "fail the run (exit 1) on a diagnosis finding of these kinds, e.g. 'leak,starvation', 'critical' or 'any'")
	fl.BoolVar(&f.noDiagnose, "no-diagnose", false, "no diagnosis: no findings, and no captures taken for them")
	fl.DurationVar(&f.cooldown, "cooldown", 0, "watch the targets this long after the load stops, so that diagnosis sees whether they return to their baseline")
	fl.StringVar(&f.webhook, "alert-webhook", "", "POST each alert event as JSON to this URL")
	fl.StringVar(&f.profiles, "profiles", profiles.DefaultDir, "where captured profiles go")
	fl.StringVar(&f.traces, "trace-windows", "1s/5s", "execution-trace windows from a watched Go target's pprof, WINDOW/EVERY, for its exact scheduler latency, lock waits and GC; 'off' for none")
	fl.StringVar(&f.listen, "listen", "", "serve the live run's metrics for Prometheus on HOST:PORT (loopback when HOST is empty)")
	fl.StringVar(&f.out.JUnit, "junit", "", "write a JUnit XML file (one test case per gate)")
	fl.StringVar(&f.out.Markdown, "markdown", "", "write a Markdown summary (also appended to $GITHUB_STEP_SUMMARY when set)")
	fl.StringVar(&f.out.HTML, "html", "", "write a self-contained HTML report with charts")
}

// apply parses the rules, gates and baseline into cfg, checked against the
// metric names a run watching cfg.Watch will have; a bad one is a usage
// error.
func (f *verdictFlags) apply(cfg *session.Config) error {
	cat := session.Catalogue(cfg.Watch)
	var err error
	if cfg.Rules, err = alert.Collect(f.alerts, f.alertFiles, cat); err != nil {
		return err
	}
	failOn, err := diagnose.FailOn(f.failOn)
	if err != nil {
		return fmt.Errorf("--fail-on: %w", err)
	}
	if cfg.Gates, err = alert.ParseGates(append(f.gates, failOn...), cat); err != nil {
		return err
	}
	cfg.NoDiagnosis, cfg.Cooldown = f.noDiagnose, f.cooldown
	if f.baseline != "" {
		if cfg.Baseline, err = alert.LoadBaseline(f.baseline, f.maxRegression, cat); err != nil {
			return err
		}
	}
	if f.abortOnFail {
		cfg.AbortAfter = f.abortAfter
	}
	cfg.Profiles = f.profiles
	traces, err := monitor.ParseTraceConfig(f.traces)
	if err != nil {
		return fmt.Errorf("--trace-windows %w", err)
	}
	for i := range cfg.Watch {
		cfg.Watch[i].Trace = traces
	}
	return nil
}

// sinks starts the webhook and the Prometheus export the flags ask for.
// Each is a Finisher: the session stops it at the end of the run; stop
// does so when the run never starts.
func (f *verdictFlags) sinks(log io.Writer, segment bool) (sinks []session.Sink, stop func(), err error) {
	if f.webhook != "" {
		n, err := webhook.New(f.webhook)
		if err != nil {
			return nil, nil, fmt.Errorf("--alert-webhook: %w", err)
		}
		sinks = append(sinks, n)
	}
	if f.listen != "" {
		e, err := export.Listen(f.listen)
		if err != nil {
			finishAll(sinks)
			return nil, nil, fmt.Errorf("--listen: %w", err)
		}
		if segment {
			e.Summable() // Prometheus sums the segments over their pods
		}
		fmt.Fprintf(log, "serving metrics on http://%s/metrics\n", e.Addr())
		sinks = append(sinks, e)
	}
	return sinks, func() { finishAll(sinks) }, nil
}

// finishAll finishes the Finishers among sinks, for a run that never
// began: a webhook or an export started for it stops.
func finishAll(sinks []session.Sink) {
	for _, s := range sinks {
		if f, ok := s.(session.Finisher); ok {
			f.Finish(context.Background(), report.New())
		}
	}
}
