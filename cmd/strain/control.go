package main

import (
	"context"
	"math"

	"github.com/strain-dev/strain/loadgen"
	"github.com/strain-dev/strain/tui"
)

// runControl is what the dashboard's keys do to a run: change the load
// level, pause it, capture profiles. Every method returns at once.
type runControl struct {
	eng      *loadgen.Engine
	captures *captures
	metrics  func() map[string]float64 // the latest interval's, for a capture's index entry
}

var _ tui.Control = (*runControl)(nil)

// Scale sets the level to level×factor+step, at least 1, as a whole number
// of requests in flight in the closed model.
func (c *runControl) Scale(factor, step float64) {
	v := max(c.eng.Level()*factor+step, 1)
	if !c.eng.Config().Open() {
		v = math.Round(v)
	}
	c.eng.SetLevel(v)
}

// Pause pauses or resumes the load.
func (c *runControl) Pause() bool { return c.eng.TogglePause() }

// Capture asks for a profile of every watched target.
func (c *runControl) Capture(kind string) {
	c.captures.manual(context.Background(), kind, c.metrics())
}
