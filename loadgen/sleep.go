package loadgen

import (
	"context"
	"time"
)

// timerSleepUntil waits for t on the runtime's timers, which give up the
// thread's P while they wait but may wake up to ~1 ms late; it reports
// false when ctx ends first. With one P it is the pacer's sleep where
// there is no timerfd (oneProcSleep): a nanosleep there would keep the
// goroutines that send requests and read responses from running until it
// ended.
func timerSleepUntil(ctx context.Context, t time.Time) bool {
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

// pacerSleep is the open model's sleep for a run with procs Ps; stop
// releases what it holds, once the run is over.
func pacerSleep(procs int) (sleep func(context.Context, time.Time) bool, stop func()) {
	if procs == 1 {
		return oneProcSleep()
	}
	return sleepUntil, func() {}
}
