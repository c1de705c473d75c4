package session

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/strain-dev/strain/alert"
	"github.com/strain-dev/strain/internal/redact"
	"github.com/strain-dev/strain/metric"
	"github.com/strain-dev/strain/monitor"
	"github.com/strain-dev/strain/profiles"
	"github.com/strain-dev/strain/report"
)

// drainCaptures bounds the wait for captures in flight at the end of a run:
// a default CPU profile and its fetch.
const drainCaptures = profiles.DefaultCPUDuration + profiles.DefaultTimeout

// loadAtCapture are the figures an index entry records with a capture.
var loadAtCapture = []string{"throughput", "concurrency", "rate", "latency.p99", "error_rate"}

// captures takes profiles when an alert asks, or a key: from the watched
// targets, or strain itself for a self.* rule.
type captures struct {
	cap       *profiles.Capturer
	targets   map[string]string // target name → its base or pprof URL
	scopes    map[string]string // a target's scope's String → its name
	log       io.Writer
	done      chan struct{}
	cancelled int // captures cut off at the end; read after done
}

// needsCaptures reports whether any rule can ask for a profile.
func needsCaptures(rules []*alert.Rule) bool {
	for _, r := range rules {
		if len(r.Capture) > 0 {
			return true
		}
	}
	return false
}

// openCaptures opens the capturer on dir; its CPU profiles record for
// cpu (the default when zero). Its outcomes are said once start is
// called.
func openCaptures(dir string, cpu time.Duration, specs []monitor.Spec, log io.Writer) (*captures, error) {
	cap, err := profiles.Open(profiles.Config{Dir: dir, CPUDuration: cpu})
	if err != nil {
		return nil, fmt.Errorf("profiles: %w", err)
	}
	c := &captures{cap: cap, targets: map[string]string{}, log: log, done: make(chan struct{})}
	for _, s := range specs {
		switch {
		case len(s.Pprof) > 0:
			c.targets[s.Name] = s.Pprof[0]
		case len(s.Bases) > 0:
			c.targets[s.Name] = s.Bases[0]
		}
	}
	return c, nil
}

// start begins saying how each capture went; Run calls it, so that a
// session made and never run leaves nothing running.
func (c *captures) start() {
	if c != nil {
		go c.report()
	}
}

// report says how each capture went, as it ends.
func (c *captures) report() {
	defer close(c.done)
	for r := range c.cap.Results() {
		switch {
		case r.Written():
			fmt.Fprintf(c.log, "profile  %s %s → %s\n", r.Target, r.Kind, r.Path)
		case r.Skipped != "":
			fmt.Fprintf(c.log, "profile  %s %s skipped: %s\n", r.Target, r.Kind, r.Skipped)
		case errors.Is(r.Err, context.Canceled):
			c.cancelled++
			fmt.Fprintf(c.log, "profile  %s %s cancelled: the run ended first\n", r.Target, r.Kind)
		case r.Err != nil:
			fmt.Fprintf(c.log, "profile  %s %s failed: %s\n", r.Target, r.Kind, redact.Text(r.Err.Error()))
		}
	}
}

// forAlert captures what a firing rule asks for, from the target its
// metric belongs to.
func (c *captures) forAlert(ctx context.Context, ev alert.Event, metrics map[string]float64) {
	if c == nil || ev.State != alert.Firing || len(ev.Rule.Capture) == 0 {
		return
	}
	key := metric.Parse(ev.Rule.Metric)
	for name, url := range c.ruleTargets(key) {
		c.take(ctx, name, url, ev.Rule.Capture, key.Name, ev.Rule.Text, metrics)
	}
}

// ruleTargets are the targets a rule's metric belongs to, by name.
func (c *captures) ruleTargets(key metric.Key) map[string]string {
	switch {
	case key.Scope.Kind == metric.Self:
		return map[string]string{SelfName: ""}
	case key.Scope.Kind == metric.Target && key.Scope.Name != "":
		if url, ok := c.targets[key.Scope.Name]; ok {
			return map[string]string{key.Scope.Name: url}
		}
		return nil
	}
	// target.… is every watched target's; a load metric's cause is in the
	// targets too (a stall, a slow handler), so their profiles explain it.
	return c.targets
}

// forTarget captures kinds from the watched target named name, for
// reason.
func (c *captures) forTarget(ctx context.Context, name string, kinds []profiles.Kind, reason string, metrics map[string]float64) {
	if c == nil {
		return
	}
	if url, ok := c.targets[name]; ok {
		c.take(ctx, name, url, kinds, reason, "", metrics)
	}
}

// manual captures kind from every watched target (strain itself when none).
func (c *captures) manual(ctx context.Context, kind profiles.Kind, metrics map[string]float64) {
	if c == nil {
		return
	}
	targets := c.targets
	if len(targets) == 0 {
		targets = map[string]string{SelfName: ""}
	}
	for name, url := range targets {
		c.take(ctx, name, url, []profiles.Kind{kind}, "manual", "", metrics)
	}
}

func (c *captures) take(ctx context.Context, name, url string, kinds []profiles.Kind, reason, rule string, metrics map[string]float64) {
	req := profiles.Request{Target: name, URL: url, Kinds: kinds, Reason: reason, Alert: rule, Load: map[string]float64{}}
	for _, k := range loadAtCapture {
		if v, ok := metrics[k]; ok {
			req.Load[k] = v
		}
	}
	if err := c.cap.Capture(ctx, req); err != nil {
		fmt.Fprintf(c.log, "profile  %s: %s\n", name, redact.Text(err.Error()))
	}
}

// finish waits for captures in flight, lists every capture in rep, and
// says how many were cut off.
func (c *captures) finish(ctx context.Context, rep *report.Report) {
	if c == nil {
		return
	}
	// A CPU profile an alert began near the end is worth the wait; an
	// interrupt (ctx done) is not: it cancels the captures in flight, which
	// leave no file (a profile cut short, of a target no longer under
	// load, would mislead), and the report says how many.
	drain, cancel := context.WithTimeout(ctx, drainCaptures)
	defer cancel()
	c.cap.Drain(drain)
	c.cap.Close() // idempotent
	<-c.done
	rep.Profiles = append(rep.Profiles, c.list()...)
	if c.cancelled > 0 {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("profile captures in flight at the end, cancelled and not kept: %d", c.cancelled))
	}
}

// close ends every capture and waits for those being written; safe on a
// nil captures and more than once.
func (c *captures) close() error {
	if c == nil {
		return nil
	}
	return c.cap.Close()
}

// list is the captures so far, as the report lists them.
func (c *captures) list() []report.Profile {
	if c == nil {
		return nil
	}
	var out []report.Profile
	for _, p := range c.cap.Captures() {
		if p.Written() {
			out = append(out, report.Profile{Path: p.Path, Kind: string(p.Kind), Reason: p.Reason, Time: p.Time,
				Target: p.Target, Alert: p.Alert})
		}
	}
	return out
}
