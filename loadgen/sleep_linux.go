package loadgen

import (
	"context"
	"syscall"
	"time"
)

// sleepChunk bounds one nanosleep, so a cancelled run is noticed quickly.
const sleepChunk = time.Millisecond

// coarseAbove is the wait beyond which the pacer first sleeps on the
// runtime's timers, to coarseAbove before its time: a nanosleep keeps its
// thread's P, and the P's other goroutines (a worker sending, a reader)
// should not wait out a long gap between two requests.
const coarseAbove = 2 * time.Millisecond

// sleepUntil waits for t, or reports false when ctx ends first.
//
// The runtime's timers round short sleeps up to a millisecond, which would
// add up to 1 ms of the generator's own lag to every corrected latency;
// nanosleep with a 1 µs timer slack wakes within tens of microseconds. The
// slack is a thread's, and the pacer may run on a different thread after
// each yield, so it is set before each sleep (a cheap call, once per
// request); it stays on the runtime's threads, whose own timed waits it
// makes a little more precise.
func sleepUntil(ctx context.Context, t time.Time) bool {
	for {
		if ctx.Err() != nil {
			return false
		}
		d := time.Until(t)
		if d <= 0 {
			return true
		}
		if d > coarseAbove {
			if !timerSleepUntil(ctx, t.Add(-coarseAbove)) {
				return false
			}
			continue
		}
		const prSetTimerslack, slackNanos = 29, 1000
		syscall.Syscall(syscall.SYS_PRCTL, prSetTimerslack, slackNanos, 0)
		ts := syscall.NsecToTimespec(int64(min(d, sleepChunk)))
		syscall.Nanosleep(&ts, nil)
	}
}
