package session

import (
	"context"
	"time"

	"github.com/strain-dev/strain/alert"
	"github.com/strain-dev/strain/loadgen"
	"github.com/strain-dev/strain/report"
)

// Point is one interval of a run as sinks see it. A sink may keep what it
// is given (Status and Errors are fresh copies each point, Metrics is never
// written again) but must not change any of it.
type Point struct {
	report.Point                     // T and the interval's metrics, by strain's names
	Time           time.Time         // when the point was taken
	Window         *loadgen.Window   // the interval's load, with its histograms; nil without load
	Status         map[string]int64  // statuses so far, by name: "200", or a gRPC call's "UNAVAILABLE"
	Errors         map[string]int64  // failed requests so far, by kind
	Alerts         []alert.Status    // rules pending or firing now
	Events         []report.Alert    // rule transitions in this interval
	Profiles       []report.Profile  // profiles captured so far
	Findings       []report.Finding  // what diagnosis finds in the run so far
	TargetRuntimes map[string]string // what each target runs, by its scope's name ("target": "python")
	TargetNames    map[string]string // the name each target was given, by its scope's name ("target": "sleeper")
	Paused         bool              // the load is paused
	Saturated      bool              // strain itself was saturated in the interval
	Level          float64           // the load level asked for: concurrency or rate
}

// Sink receives each point of a run as it happens, on the run's own
// goroutine: it must return quickly (queue, don't wait).
type Sink interface {
	Observe(p *Point)
}

// SinkFunc adapts a function to a Sink.
type SinkFunc func(p *Point)

// Observe calls f(p).
func (f SinkFunc) Observe(p *Point) { f(p) }

var _ Sink = SinkFunc(nil)

// A Finisher is a Sink with work to end when the run does. Finish is
// called once, after the last point, before the report is complete; it
// may add warnings to rep, and should not outlast ctx.
type Finisher interface {
	Sink
	Finish(ctx context.Context, rep *report.Report)
}
