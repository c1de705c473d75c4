package loadgen

import (
	"context"
	"runtime"
	"syscall"
	"time"
)

// sleepChunk bounds one nanosleep, so a cancelled run is noticed quickly.
const sleepChunk = 5 * time.Millisecond

// pinPacer gives the calling goroutine an OS thread of its own with a 1 µs
// timer slack. The runtime's timers round short sleeps up to a millisecond,
// which would add up to 1 ms of the generator's own lag to every corrected
// latency; nanosleep on this thread wakes within tens of microseconds. The
// thread is never unlocked, so it exits with the goroutine and the changed
// slack goes with it.
func pinPacer() {
	runtime.LockOSThread()
	const prSetTimerslack = 29
	syscall.Syscall(syscall.SYS_PRCTL, prSetTimerslack, 1000, 0)
}

// sleepUntil waits for t, or reports false when ctx ends first. It blocks
// its thread in a syscall, which hands the thread's P back to the workers.
func sleepUntil(ctx context.Context, t time.Time) bool {
	for {
		if ctx.Err() != nil {
			return false
		}
		d := time.Until(t)
		if d <= 0 {
			return true
		}
		ts := syscall.NsecToTimespec(int64(min(d, sleepChunk)))
		syscall.Nanosleep(&ts, nil)
	}
}
