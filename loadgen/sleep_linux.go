package loadgen

import (
	"context"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
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
func sleepUntil(ctx context.Context, t time.Time) bool { return sleepThen(ctx, t, nanosleep) }

// nanosleep sleeps for d, at most sleepChunk, holding its thread's P.
func nanosleep(d time.Duration) bool {
	const prSetTimerslack, slackNanos = 29, 1000
	syscall.Syscall(syscall.SYS_PRCTL, prSetTimerslack, slackNanos, 0)
	ts := syscall.NsecToTimespec(int64(min(d, sleepChunk)))
	syscall.Nanosleep(&ts, nil)
	return true
}

// sleepThen waits for t, or reports false when ctx ends first: on the
// runtime's timers to coarseAbove before t, then with short, a precise
// wait of at most d (false when it cannot wait: the runtime's timers then
// wait the rest).
func sleepThen(ctx context.Context, t time.Time, short func(d time.Duration) bool) bool {
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
		if !short(d) {
			return timerSleepUntil(ctx, t)
		}
	}
}

// timerfdSleep waits on a timerfd through the runtime's network poller.
// Its goroutine parks and gives up its P, as on the runtime's timers, but
// the poller wakes it when the kernel's timer fires, to the microsecond,
// where the runtime's timers round a sleep up to the millisecond while the
// P is idle. With one P it is the pacer's sleep (pacerSleep): a nanosleep
// there would hold the only P.
type timerfdSleep struct {
	fd   int
	f    *os.File // fd, non-blocking, on the poller (its Fd method would make it blocking)
	buf  [8]byte
	wait func(time.Duration) bool // s.read, made once: a method value per sleep would allocate
}

// newTimerfdSleep opens the timerfd; nil where the kernel has none.
func newTimerfdSleep() *timerfdSleep {
	fd, err := unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_NONBLOCK|unix.TFD_CLOEXEC)
	if err != nil {
		return nil
	}
	s := &timerfdSleep{fd: fd, f: os.NewFile(uintptr(fd), "timerfd")}
	s.wait = s.read
	return s
}

// until waits for t, or reports false when ctx ends first.
func (s *timerfdSleep) until(ctx context.Context, t time.Time) bool { return sleepThen(ctx, t, s.wait) }

// read arms the timer for d and parks until it fires.
func (s *timerfdSleep) read(d time.Duration) bool {
	spec := unix.ItimerSpec{Value: unix.NsecToTimespec(int64(d))}
	if unix.TimerfdSettime(s.fd, 0, &spec, nil) != nil {
		return false
	}
	_, err := s.f.Read(s.buf[:])
	return err == nil
}

func (s *timerfdSleep) close() { s.f.Close() }

// oneProcSleep is the pacer's sleep with one P: on a timerfd, or on the
// runtime's timers where there is none; stop releases the timerfd.
func oneProcSleep() (sleep func(context.Context, time.Time) bool, stop func()) {
	if s := newTimerfdSleep(); s != nil {
		return s.until, s.close
	}
	return timerSleepUntil, func() {}
}
