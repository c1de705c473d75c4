package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"
	"github.com/strain-dev/strain/alert"
	"github.com/strain-dev/strain/export"
	"github.com/strain-dev/strain/metric"
	"github.com/strain-dev/strain/monitor"
	"github.com/strain-dev/strain/profiles"
	"github.com/strain-dev/strain/report"
	"github.com/strain-dev/strain/session"
	"github.com/strain-dev/strain/webhook"
)

// verdictFlags are the flags run and watch share for alerts, gates and the
// outputs that CI reads.
type verdictFlags struct {
	alerts        []string
	alertFiles    []string
	gates         []string
	baseline      string
	maxRegression string
	abortOnFail   bool
	abortAfter    time.Duration
	webhook       string
	profiles      string
	listen        string
	junit         string
	markdown      string
	html          string
}

func (f *verdictFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringArrayVar(&f.alerts, "alert", nil, "alert rule, e.g. 'crit: target.sched_latency.p99 > 10ms for 5s' (repeatable)")
	fl.StringArrayVar(&f.alertFiles, "alerts", nil, "YAML rules file, or 'default' for the built-in set (repeatable)")
	fl.StringArrayVar(&f.gates, "gate", nil, "CI gate on the whole run, e.g. 'latency.p99 < 200ms'; exit 1 if one fails (repeatable)")
	fl.StringVar(&f.baseline, "baseline", "", "compare this run to a previous JSON report, as gates")
	fl.StringVar(&f.maxRegression, "max-regression", session.DefaultMaxRegression, "with --baseline: how far each metric may move, e.g. 'latency.p99=+10%,throughput=-5%'")
	fl.BoolVar(&f.abortOnFail, "abort-on-fail", false, "end the run early once a sustained breach makes a gate fail")
	fl.DurationVar(&f.abortAfter, "abort-after", 10*time.Second, "with --abort-on-fail: how long a breach must last")
	fl.StringVar(&f.webhook, "alert-webhook", "", "POST each alert event as JSON to this URL")
	fl.StringVar(&f.profiles, "profiles", profiles.DefaultDir, "where captured profiles go")
	fl.StringVar(&f.listen, "listen", "", "serve the live run's metrics for Prometheus on HOST:PORT (loopback when HOST is empty)")
	fl.StringVar(&f.junit, "junit", "", "write a JUnit XML file (one test case per gate)")
	fl.StringVar(&f.markdown, "markdown", "", "write a Markdown summary (also appended to $GITHUB_STEP_SUMMARY when set)")
	fl.StringVar(&f.html, "html", "", "write a self-contained HTML report with charts")
}

// apply parses the rules, gates and baseline into cfg, checked against the
// metric names a run watching cfg.Watch will have; a bad one is a usage
// error.
func (f *verdictFlags) apply(cfg *session.Config) error {
	cat := session.Catalogue(cfg.Watch)
	var err error
	if cfg.Rules, err = f.rules(cat); err != nil {
		return err
	}
	for _, text := range f.gates {
		g, err := alert.ParseGate(text, cat)
		if err != nil {
			return fmt.Errorf("--gate %w", err)
		}
		cfg.Gates = append(cfg.Gates, g)
	}
	if f.baseline != "" {
		if cfg.Baseline, err = session.LoadBaseline(f.baseline, f.maxRegression, cat); err != nil {
			return err
		}
	}
	if f.abortOnFail {
		cfg.AbortAfter = f.abortAfter
	}
	cfg.Profiles = f.profiles
	return nil
}

// rules gathers --alert and --alerts.
func (f *verdictFlags) rules(cat *metric.Catalogue) ([]*alert.Rule, error) {
	var rules []*alert.Rule
	for _, file := range f.alertFiles {
		if file == "default" {
			rules = append(rules, alert.DefaultRules(cat)...)
			continue
		}
		more, err := alert.ReadRules(file, cat)
		if err != nil {
			return nil, err
		}
		rules = append(rules, more...)
	}
	for _, text := range f.alerts {
		r, err := alert.ParseRule(text, cat)
		if err != nil {
			return nil, fmt.Errorf("--alert %w", err)
		}
		rules = append(rules, r)
	}
	return rules, nil
}

// sinks starts the webhook and the Prometheus export the flags ask for.
// Each is a Finisher: the session stops it at the end of the run; stop
// does so when the run never starts.
func (f *verdictFlags) sinks(log io.Writer) (sinks []session.Sink, stop func(), err error) {
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
		fmt.Fprintf(log, "serving metrics on http://%s/metrics\n", e.Addr())
		sinks = append(sinks, e)
	}
	return sinks, func() { finishAll(sinks) }, nil
}

// specs parses --watch SPECs; a malformed one is a usage error.
func parseSpecs(raw []string) ([]monitor.Spec, error) {
	var specs []monitor.Spec
	seen := map[string]bool{session.SelfName: true}
	for _, r := range raw {
		s, err := monitor.ParseSpec(r)
		if err != nil {
			return nil, err
		}
		if seen[s.Name] {
			return nil, fmt.Errorf("watch %q: the name %q is taken; name it: NAME=%s", r, s.Name, r)
		}
		seen[s.Name] = true
		specs = append(specs, s)
	}
	return specs, nil
}

// appendStepSummary adds the Markdown summary to GitHub's step summary
// when the run is in a GitHub Actions job.
func appendStepSummary(rep *report.Report) error {
	path := os.Getenv("GITHUB_STEP_SUMMARY")
	if path == "" {
		return nil
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("append to GITHUB_STEP_SUMMARY: %w", err)
	}
	if err := rep.WriteMarkdown(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
