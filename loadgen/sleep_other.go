//go:build !linux

package loadgen

import (
	"context"
	"time"
)

// sleepUntil waits for t, or reports false when ctx ends first. Outside
// Linux it uses the runtime's timers, which may wake up to ~1 ms late.
func sleepUntil(ctx context.Context, t time.Time) bool {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err() == nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	}
}
