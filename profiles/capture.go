package profiles

import "time"

// Request asks a Capturer for captures of one target.
type Request struct {
	// Target names the target in file names and the index ("api"). Empty
	// means "self" when URL is empty, else the URL's host:port.
	Target string
	// URL is the target's base URL or its /debug/pprof/ URL; either finds
	// both pprof and the flight recorder at /debug/strain/flight. Empty
	// means strain itself, captured through runtime/pprof.
	URL string
	// Kinds are the captures to take, each on its own.
	Kinds []Kind
	// Duration is how long CPU profiles and traces record; zero means the
	// Config's.
	Duration time.Duration
	// Reason says why ("sched_latency", "manual"); it ends the file name.
	Reason string
	// Alert is the rule that fired, if an alert asked.
	Alert string
	// Load is the load at that moment: throughput, concurrency or rate,
	// latency.p99, by metric name.
	Load map[string]float64
}

// Capture is the outcome of one kind of one Request: written (Path set),
// skipped (Skipped says why), or failed (Err).
type Capture struct {
	Target string             `json:"target"`
	Kind   Kind               `json:"kind"`
	Reason string             `json:"reason,omitempty"`
	Alert  string             `json:"alert,omitempty"`
	Time   time.Time          `json:"time"` // when it was asked for
	Path   string             `json:"path"` // the file, under the Capturer's directory
	Bytes  int64              `json:"bytes"`
	Load   map[string]float64 `json:"load,omitempty"`
	// Warning notes a kept capture that may disappoint: an empty mutex
	// profile on a service that never set a profile rate.
	Warning string `json:"warning,omitempty"`
	// Skipped is why the capture was not attempted: SkipCooldown,
	// SkipCap, or "<kind> capture in flight".
	Skipped string `json:"-"`
	Err     error  `json:"-"`
}

// Reasons a capture is skipped.
const (
	SkipCooldown = "cooldown"
	SkipCap      = "cap reached"
)

// skipInFlight is the reason for a capture of an exclusive kind that its
// target is already serving.
func skipInFlight(k Kind) string { return string(k) + " capture in flight" }

// Written reports whether the capture was kept in a file.
func (c Capture) Written() bool { return c.Path != "" }
