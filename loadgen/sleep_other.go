//go:build !linux

package loadgen

import (
	"context"
	"time"
)

// sleepUntil waits for t, or reports false when ctx ends first. Outside
// Linux it uses the runtime's timers, which may wake up to ~1 ms late.
func sleepUntil(ctx context.Context, t time.Time) bool { return timerSleepUntil(ctx, t) }

// oneProcSleep is the pacer's sleep with one P: the runtime's timers.
func oneProcSleep() (sleep func(context.Context, time.Time) bool, stop func()) {
	return timerSleepUntil, func() {}
}
