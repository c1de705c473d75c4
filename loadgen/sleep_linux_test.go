package loadgen

import (
	"context"
	"testing"
	"time"
)

// The timerfd sleep never wakes before its time, short waits and long
// (past coarseAbove, on the runtime's timers first) alike; it gives up
// when the run ends, before and during a wait; and it goes on working
// after a wait given up.
func TestTimerfdSleep(t *testing.T) {
	s := newTimerfdSleep()
	if s == nil {
		t.Skip("no timerfd here")
	}
	defer s.close()
	ctx := context.Background()
	for _, d := range []time.Duration{-time.Millisecond, 0, 50 * time.Microsecond, 700 * time.Microsecond, coarseAbove + 3*time.Millisecond} {
		for range 20 {
			at := time.Now().Add(d)
			if !s.until(ctx, at) {
				t.Fatalf("%v: gave up with the run going on", d)
			}
			if now := time.Now(); now.Before(at) {
				t.Fatalf("%v: woke %v before its time", d, at.Sub(now))
			}
		}
	}
	done, cancel := context.WithCancel(ctx)
	cancel()
	if s.until(done, time.Now().Add(time.Millisecond)) {
		t.Error("a run already ended: slept on")
	}
	long, cancel := context.WithCancel(ctx)
	time.AfterFunc(20*time.Millisecond, cancel)
	if s.until(long, time.Now().Add(time.Hour)) {
		t.Error("the run ended during an hour's wait: slept on")
	}
	if at := time.Now().Add(time.Millisecond); !s.until(ctx, at) || time.Now().Before(at) {
		t.Error("after a wait given up, the next one did not hold")
	}
}
