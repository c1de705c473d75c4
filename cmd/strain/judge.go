package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"github.com/strain-dev/strain/alert"
	"github.com/strain-dev/strain/loadgen"
	"github.com/strain-dev/strain/monitor"
	"github.com/strain-dev/strain/profiles"
	"github.com/strain-dev/strain/report"
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
	fl.StringVar(&f.maxRegression, "max-regression", defaultMaxRegression, "with --baseline: how far each metric may move, e.g. 'latency.p99=+10%,throughput=-5%'")
	fl.BoolVar(&f.abortOnFail, "abort-on-fail", false, "end the run early once a sustained breach makes a gate fail")
	fl.DurationVar(&f.abortAfter, "abort-after", 10*time.Second, "with --abort-on-fail: how long a breach must last")
	fl.StringVar(&f.webhook, "alert-webhook", "", "POST each alert event as JSON to this URL")
	fl.StringVar(&f.profiles, "profiles", profiles.DefaultDir, "where captured profiles go")
	fl.StringVar(&f.listen, "listen", "", "serve the live run's metrics for Prometheus on HOST:PORT (loopback when HOST is empty)")
	fl.StringVar(&f.junit, "junit", "", "write a JUnit XML file (one test case per gate)")
	fl.StringVar(&f.markdown, "markdown", "", "write a Markdown summary (also appended to $GITHUB_STEP_SUMMARY when set)")
	fl.StringVar(&f.html, "html", "", "write a self-contained HTML report with charts")
}

// judge evaluates alert rules on every point of the timeline and gates on
// the whole run.
type judge struct {
	rules    []*alert.Rule
	eval     *alert.Evaluator
	gates    []*alert.Gate
	baseline *baselineCheck
	abort    *abortWatch
	hook     *webhook
	export   *exporter
	captures *captures
	closing  sync.Once
	stderr   io.Writer
	alerts   []report.Alert
}

// newJudge parses rules and gates against the metric names the run will
// have; a bad one is a usage error.
func (f *verdictFlags) newJudge(specs []monitor.Spec, stderr io.Writer) (*judge, error) {
	cat := alert.NewCatalogue(promSeries(specs)...)
	j := &judge{stderr: stderr}
	rules, err := f.rules(cat)
	if err != nil {
		return nil, err
	}
	if j.rules, err = expandTargets(rules, specs); err != nil {
		return nil, err
	}
	for _, text := range f.gates {
		g, err := alert.ParseGate(text, cat)
		if err != nil {
			return nil, fmt.Errorf("--gate %w", err)
		}
		if err := checkTargetName(g.Metric, specs); err != nil {
			return nil, fmt.Errorf("--gate %q: %w", text, err)
		}
		j.gates = append(j.gates, g)
	}
	if f.baseline != "" {
		if j.baseline, err = loadBaseline(f.baseline, f.maxRegression, cat); err != nil {
			return nil, err
		}
	}
	if f.abortOnFail {
		j.abort = newAbortWatch(j.gates, f.abortAfter, cat)
	}
	if f.webhook != "" {
		if j.hook, err = newWebhook(f.webhook); err != nil {
			return nil, err
		}
	}
	j.eval = alert.NewEvaluator(j.rules)
	if needsCaptures(j.rules) {
		if j.captures, err = startCaptures(f.profiles, specs, stderr); err != nil {
			return nil, err
		}
	}
	if f.listen != "" {
		if j.export, err = startExporter(f.listen); err != nil {
			return nil, err
		}
		fmt.Fprintf(stderr, "serving metrics on http://%s/metrics\n", j.export.addr)
	}
	return j, nil
}

// rules gathers --alert and --alerts.
func (f *verdictFlags) rules(cat *alert.Catalogue) ([]*alert.Rule, error) {
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

// promSeries lists the series named in prom: sources, which become
// target.<series> metrics.
func promSeries(specs []monitor.Spec) []string {
	var names []string
	for _, s := range specs {
		for _, p := range s.Proms {
			names = append(names, p.Series...)
		}
	}
	return names
}

// expandTargets turns a rule on target.x into one rule per watched target
// when there are several, since their metrics are then target[NAME].x.
func expandTargets(rules []*alert.Rule, specs []monitor.Spec) ([]*alert.Rule, error) {
	var out []*alert.Rule
	for _, r := range rules {
		if err := checkTargetName(r.Metric, specs); err != nil {
			return nil, fmt.Errorf("alert %q: %w", r.Text, err)
		}
		if len(specs) < 2 || !strings.HasPrefix(r.Metric, "target.") {
			out = append(out, r)
			continue
		}
		for _, s := range specs {
			c := *r
			c.Metric = "target[" + s.Name + "]." + strings.TrimPrefix(r.Metric, "target.")
			c.Text = strings.Replace(r.Text, r.Metric, c.Metric, 1)
			out = append(out, &c)
		}
	}
	return out, nil
}

// checkTargetName makes sure target[NAME] names a watched target.
func checkTargetName(metric string, specs []monitor.Spec) error {
	if !strings.HasPrefix(metric, "target[") {
		return nil
	}
	name := metric[len("target["):strings.Index(metric, "]")]
	var names []string
	for _, s := range specs {
		if s.Name == name {
			return nil
		}
		names = append(names, s.Name)
	}
	return fmt.Errorf("no watched target is named %q (watched: %s)", name, strings.Join(names, ", "))
}

// observe evaluates the rules on one point of the timeline (and its load
// window, nil when there is no load), prints and forwards each event,
// updates the export, and reports whether a gate's breach asks to abort.
func (j *judge) observe(now time.Time, w *loadgen.Window, p *report.Point) (abort string) {
	for _, ev := range j.eval.Eval(now, p.Metrics) {
		a := report.Alert{Time: ev.Time, T: p.T, Rule: ev.Rule.Text, Metric: ev.Rule.Metric, State: string(ev.State),
			Severity: string(ev.Rule.Severity), Value: ev.Value, Shown: alert.FormatValue(ev.Rule.Metric, ev.Value)}
		j.alerts = append(j.alerts, a)
		if ev.State != alert.Pending {
			fmt.Fprintf(j.stderr, "%6.1fs  %-8s %-8s %s  (%s)\n", a.T, strings.ToUpper(a.State), a.Severity, a.Rule, a.Shown)
		}
		j.hook.send(a)
		j.captures.forAlert(context.Background(), ev, p.Metrics)
	}
	j.export.observe(w, p, j.eval.Active())
	return j.abort.observe(now, p.Metrics)
}

// finish puts the alerts and the gates' verdicts in rep.
func (j *judge) finish(ctx context.Context, rep *report.Report) {
	j.captures.finish(ctx, rep)
	j.close(ctx)
	if warn := j.hook.warning(); warn != "" {
		rep.Warnings = append(rep.Warnings, warn)
	}
	rep.Alerts = append(rep.Alerts, j.alerts...)
	for _, g := range j.gates {
		v := g.Check(rep.Summary)
		rep.Gates = append(rep.Gates, gateReport(v, "gate"))
	}
	rep.Gates = append(rep.Gates, j.baseline.check(rep.Summary)...)
	for _, g := range rep.Gates {
		rep.Passed = rep.Passed && g.Pass
	}
}

// close stops what the judge started; safe to call on any path, more
// than once.
func (j *judge) close(ctx context.Context) {
	j.closing.Do(func() {
		j.captures.finish(ctx, report.New())
		j.hook.close(ctx)
		j.export.stop()
	})
}

func gateReport(v alert.Verdict, kind string) report.Gate {
	shown := "no data"
	if !v.NoData {
		shown = alert.FormatValue(v.Gate.Metric, v.Value)
	}
	return report.Gate{Expr: v.Gate.Text, Value: v.Value, Shown: shown, NoData: v.NoData, Pass: v.Pass, Kind: kind}
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
