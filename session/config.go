package session

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/strain-dev/strain/alert"
	"github.com/strain-dev/strain/loadgen"
	"github.com/strain-dev/strain/monitor"
	"github.com/strain-dev/strain/profiles"
)

// Config is one run. Its zero value (with a Load) runs the load alone,
// watching strain itself; every field below adds to that.
type Config struct {
	// Load is the load to send; nil watches without load (strain watch).
	// Its Transport, when nil, is strain's own (loadgen/transport's For).
	Load *loadgen.Config
	// StartAt, when set, is when the run begins: Run waits for it before
	// it checks that the targets answer, so that the segments of a split
	// load start together. A time already past starts at once, with a
	// warning on Log; more than 24 hours ahead is an error.
	StartAt time.Time
	// ProbeWait bounds the check that the load's targets answer at the
	// start (loadgen.DefaultProbeWait when zero; negative skips the check).
	ProbeWait time.Duration

	// Watch are the targets to monitor besides strain itself. With one,
	// its metrics are target.X; with several, target[NAME].X.
	Watch []monitor.Spec
	// Interval is one point of the timeline without load (the load's own
	// Interval otherwise); monitor.DefaultInterval when zero.
	Interval time.Duration
	// Duration bounds a run without load, from its first point; zero runs
	// until ctx ends.
	Duration time.Duration
	// GrowthWindow is the span NAME_growth is measured over
	// (10s when zero: long enough to see through GC's sawtooth).
	GrowthWindow time.Duration

	// Rules are evaluated on every point; a rule on target.X applies to
	// each watched target. Gates judge the whole run's summary.
	Rules []*alert.Rule
	Gates []*alert.Gate
	// Baseline adds regression checks against a previous run, as gates.
	Baseline *alert.Baseline
	// AbortAfter, when positive, ends the run as failed once a gate is
	// sure to fail, or its metric has breached it for this long.
	AbortAfter time.Duration

	// Profiles is where captures go (profiles.DefaultDir when empty). The
	// capturer opens only when a rule can capture, or ManualCaptures asks.
	Profiles string
	// CPUProfile is how long a CPU profile records
	// (profiles.DefaultCPUDuration when zero): a short run's captures
	// should end while its load goes on.
	CPUProfile time.Duration
	// ManualCaptures opens the capturer for Capture (a key on the
	// dashboard, a test) even when no rule captures.
	ManualCaptures bool

	// NoDiagnosis turns diagnosis off. On, it judges the timeline as it
	// grows and at the end (report.Finding), and captures from the
	// watched targets the profiles that prove what it finds.
	NoDiagnosis bool
	// Cooldown watches the targets this long after the load stops, so
	// that diagnosis sees whether they return to their baseline (a leak
	// does not). Zero ends the run with the load.
	Cooldown time.Duration

	// Sinks receive each point as it happens.
	Sinks []Sink
	// Log receives event lines as they happen: what discovery found,
	// alerts firing and resolving, captures, warnings, an abort. Nil
	// discards them. Its writes come from more than one goroutine, one at
	// a time; a sink that writes to the same stream shares a writer with
	// it (lines.Shared).
	Log io.Writer
}

func (c *Config) interval() time.Duration {
	switch {
	case c.Load != nil && c.Load.Interval > 0:
		return c.Load.Interval
	case c.Load != nil:
		return loadgen.DefaultInterval
	case c.Interval > 0:
		return c.Interval
	}
	return monitor.DefaultInterval
}

func (c *Config) profilesDir() string {
	if c.Profiles == "" {
		return profiles.DefaultDir
	}
	return c.Profiles
}

// check refuses what a run cannot mean: two targets of one name, or, for a
// run without load, a negative duration or an interval below the
// monitor's least.
func (c *Config) check() error {
	switch {
	case c.Load == nil && c.Duration < 0:
		return fmt.Errorf("duration %v: must not be negative", c.Duration)
	case c.Load == nil && c.Interval != 0 && c.Interval < monitor.MinInterval:
		return fmt.Errorf("interval %v: must be at least %v", c.Interval, monitor.MinInterval)
	case c.Cooldown < 0:
		return fmt.Errorf("cooldown %v: must not be negative", c.Cooldown)
	}
	for _, g := range c.Gates {
		if g.Metric == "capacity" {
			return fmt.Errorf("gate %q: capacity is what strain capacity finds; a run has none", g.Text)
		}
		if c.NoDiagnosis && strings.HasPrefix(g.Metric, "findings.") {
			return fmt.Errorf("gate %q: diagnosis is off, so there are no findings to judge", g.Text)
		}
	}
	if err := c.checkStart(); err != nil {
		return err
	}
	return checkSpecs(c.Watch)
}
