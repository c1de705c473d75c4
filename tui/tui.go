// Package tui is strain's live dashboard: the load and each watched
// target's runtime on one screen, alerts as they fire, profiles as they are
// captured, and the load under the user's hands.
//
// The root Model routes messages and lays out panels; View is a pure
// function of its state. Data arrives as Frame messages (one per interval,
// sent with tea.Program.Send); keys act through Control, and Steer when
// the run offers it, whose methods must not block. Dashboard runs it beside a session, as one of its sinks.
// tui renders what it is given: it reads no metric source of its own.
package tui

import (
	"time"

	"github.com/strain-dev/strain/metric"
	"github.com/strain-dev/strain/report"
	"github.com/strain-dev/strain/session"
)

// Control is what the dashboard asks of the run. Its methods are called
// from the dashboard's commands and must return at once.
type Control interface {
	// Capture asks for a profile of kind ("cpu", "goroutine", "heap") of
	// every watched target.
	Capture(kind string)
	// End ends the run, why saying how: the user quit, which
	// session.ErrInterrupted wraps.
	End(why error)
}

// Steer is the load's control a Control may also offer, for the keys
// that change the load. Without it (a capacity search sets the rate
// itself) those keys only say so.
type Steer interface {
	// Scale sets the load level (concurrency or rate) to level×factor+step.
	Scale(factor float64, step float64)
	// Pause pauses the load, or resumes it; it returns whether it is now paused.
	Pause() bool
}

var (
	_ Control = (*session.Session)(nil)
	_ Steer   = (*session.Session)(nil)
)

// Frame is one interval of the run, as the dashboard shows it.
type Frame struct {
	T       float64            // seconds since the start
	Metrics map[string]float64 // the interval's metrics, by strain's names
	// Bounds are the ranges of the metrics read from buckets, shown as
	// such rather than as a bare figure.
	Bounds   map[string]metric.Bounds
	Status   map[string]int64  // status codes so far
	Errors   map[string]int64  // errors by kind so far
	Alerts   []Alert           // pending and firing now
	Profiles []Profile         // captured so far
	Findings []Finding         // the problems diagnosis finds in the run so far
	Runtimes map[string]string // what each target runs, by its scope's name ("target": "python")
	Names    map[string]string // the name each target was given, by its scope's name ("target": "sleeper")
	Events   []string          // lines to show once (an alert fired, a capture failed)
	Paused   bool
	// Latency is the interval's responses by latency, as LatencyOf counts
	// them; nil for none.
	Latency []int64
	// Saturated says strain itself was saturated in the interval, by the
	// same test as the report's warning.
	Saturated bool
}

// Alert is a pending or firing rule.
type Alert struct {
	Rule, State, Severity, Value string
	Since                        time.Duration
}

// Finding is a problem diagnosis found: its kind, severity and sentence,
// and what it stands on, which the findings view opens.
type Finding struct {
	Kind       report.Kind
	Severity   report.Severity
	Summary    string
	Culprit    string // what its profile shows, "" until one does
	Target     string // the target it is about, "" for the load
	Start, End float64
	Evidence   []Evidence
	Next       string // what to do next
}

// Evidence is one thing a finding stands on: a metric's value, or a
// profile and what it shows (its top functions or stacks, most first).
type Evidence struct {
	Metric, Shown string
	Profile       string
	Top           []string
	Note          string // why a profile shows nothing
}

// Profile is one captured profile.
type Profile struct {
	Target, Kind, Reason, Path string
	At                         float64 // seconds since the start
}

// Header is what does not change during a run.
type Header struct {
	Targets  []string      // "GET http://…"
	Model    string        // "closed" or "open", "watch" without load, or SearchModel
	Duration time.Duration // zero when -n or nothing bounds it
	Stages   int
}

// SearchModel is a capacity search's Model: it sets the rate itself, so
// the load's keys are not offered.
const SearchModel = "capacity search"

// Done is sent when the run is over; the dashboard then quits.
type Done struct{}
