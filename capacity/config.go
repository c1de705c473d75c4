package capacity

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/strain-dev/strain/alert"
	"github.com/strain-dev/strain/session"
)

// Defaults of a search.
const (
	DefaultStart     = 100.0   // req/s
	DefaultCeiling   = 100_000 // req/s
	DefaultPrecision = 0.05
	DefaultStep      = 5 * time.Second
	DefaultWarmup    = time.Second
	DefaultPause     = time.Second
	DefaultMaxTime   = 5 * time.Minute
	// Growth is what the rate is multiplied by until a step fails (and
	// divided by while even the lowest tried fails).
	Growth = 2.0
)

// Implicit checks every step must pass besides the SLOs: a rate the
// target does not keep up with, or mostly errors at, is not one it can
// take, whatever the SLOs say.
const (
	// KeptUp is the least share of the rate a step must complete; the
	// precision, when smaller, is used instead.
	KeptUp = 0.95
	// HardErrors is the error rate at which a step fails and the search
	// backs off.
	HardErrors = 0.5
	// backOff multiplies the pause after a step at which the target
	// errored hard or stalled.
	backOff = 5
)

// Config is one search.
type Config struct {
	// Run is what every step runs, as a template: its Load's targets,
	// request, cap on requests in flight (-c), timeout and interval, the
	// watched targets, rules, profiles, sinks and log. Each step sets the
	// Load's rate and duration; the Load's stages and request count, and
	// Run's gates, baseline, abort and cooldown are not used.
	Run session.Config
	// SLOs must all hold at a rate for it to count. Each is judged on a
	// step's measured part: the load's figures from its merged
	// histograms, a runtime series as NAME.min|mean|max|last, or by its
	// bare NAME as its mean.
	SLOs []*alert.Gate
	// Gates judge the search's summary (the capacity step's, with
	// "capacity"): a failed one fails the search.
	Gates []*alert.Gate

	Start, Ceiling float64 // req/s; DefaultStart and DefaultCeiling when zero
	Precision      float64 // relative; DefaultPrecision when zero
	// Step is each step's measured part, after Warmup (which rounds up
	// to whole intervals); Pause follows each step. Zero takes the
	// default; a negative Pause is none.
	Step, Warmup, Pause time.Duration
	// MaxTime bounds the search: no step begins that could not end
	// within it (DefaultMaxTime when zero).
	MaxTime time.Duration
}

// withDefaults fills in the defaults and checks the result.
func (c Config) withDefaults() (Config, error) {
	def := func(v *float64, d float64) {
		if *v == 0 {
			*v = d
		}
	}
	dur := func(v *time.Duration, d time.Duration) {
		if *v == 0 {
			*v = d
		}
	}
	def(&c.Start, DefaultStart)
	def(&c.Ceiling, DefaultCeiling)
	def(&c.Precision, DefaultPrecision)
	dur(&c.Step, DefaultStep)
	dur(&c.Warmup, DefaultWarmup)
	dur(&c.Pause, DefaultPause)
	dur(&c.MaxTime, DefaultMaxTime)
	c.Pause = max(c.Pause, 0)
	return c, c.check()
}

func (c *Config) check() error {
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	switch {
	case c.Run.Load == nil:
		return errors.New("capacity: no load to send")
	case len(c.SLOs) == 0:
		return errors.New("no SLO to search against: give at least one, e.g. --slo 'latency.p99 < 50ms'")
	case !finite(c.Start) || c.Start < minRate:
		return fmt.Errorf("start %g: must be at least %g req/s", c.Start, minRate)
	case !finite(c.Ceiling) || c.Ceiling < c.Start:
		return fmt.Errorf("ceiling %g: must be at least the start, %g req/s", c.Ceiling, c.Start)
	case !finite(c.Precision) || c.Precision <= 0 || c.Precision >= 1:
		return fmt.Errorf("precision %g: must be between 0 and 100%%", c.Precision)
	case c.Step < c.Run.Load.Interval || c.Step < time.Second:
		return fmt.Errorf("step %v: must be at least 1s and one interval", c.Step)
	case c.Warmup < 0:
		return fmt.Errorf("warm-up %v: must not be negative", c.Warmup)
	case c.MaxTime < c.Warmup+c.Step:
		return fmt.Errorf("max time %v: shorter than one step (%v)", c.MaxTime, c.Warmup+c.Step)
	}
	return nil
}

// ParsePrecision reads a precision as a share, "5%" or "0.05", strictly
// between 0 and 1.
func ParsePrecision(s string) (float64, error) {
	t := strings.TrimSpace(s)
	scale := 1.0
	if strings.HasSuffix(t, "%") {
		t, scale = strings.TrimSuffix(t, "%"), 0.01
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || !(v*scale > 0 && v*scale < 1) {
		return 0, fmt.Errorf("precision %q: want a share between 0 and 100%%, e.g. 5%% or 0.05", s)
	}
	return v * scale, nil
}
