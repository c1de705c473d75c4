//go:build !linux

package loadgen

import (
	"context"
	"time"
)

// sleepUntil waits for t, or reports false when ctx ends first. Outside
// Linux it uses the runtime's timers, which may wake up to ~1 ms late.
func sleepUntil(ctx context.Context, t time.Time) bool { return timerSleepUntil(ctx, t) }
