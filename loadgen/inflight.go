package loadgen

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// flights knows when each worker sent the request it has in flight, so
// that a window can say how long the oldest has waited. During a stall no
// response completes and the latency says nothing; this age keeps growing.
type flights struct {
	mu    sync.Mutex // guards the set; a worker's own slot needs no lock
	slots map[*flight]struct{}
}

// flight is one worker's slot: when its request in flight was sent, in
// nanoseconds since the run started, plus one; zero when it has none. Each
// sits on its own cache line, written by its worker alone.
type flight struct {
	sent    atomic.Int64
	backoff time.Duration // the worker's wait after running out of file descriptors; its own
	_       [48]byte
}

func newFlights() *flights { return &flights{slots: map[*flight]struct{}{}} }

// add gives a new worker its slot.
func (f *flights) add() *flight {
	fl := &flight{}
	f.mu.Lock()
	f.slots[fl] = struct{}{}
	f.mu.Unlock()
	return fl
}

// remove forgets a worker's slot when the worker ends.
func (f *flights) remove(fl *flight) {
	f.mu.Lock()
	delete(f.slots, fl)
	f.mu.Unlock()
}

// begin and end bracket a request; since is when it was sent, measured
// from the run's start.
func (fl *flight) begin(since time.Duration) { fl.sent.Store(int64(since) + 1) }
func (fl *flight) end()                      { fl.sent.Store(0) }

// oldest is the age at now (since the run's start) of the oldest request in
// flight, or zero when none is.
func (f *flights) oldest(now time.Duration) time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	var first int64
	for fl := range f.slots {
		if s := fl.sent.Load(); s > 0 && (first == 0 || s < first) {
			first = s
		}
	}
	if first == 0 {
		return 0
	}
	return max(0, now-time.Duration(first-1))
}

// Backoff after running out of file descriptors: a worker that retried at
// once filed 85k errors a second and starved strain's own monitor of the
// descriptors it needs.
const (
	fdBackoffMin = 10 * time.Millisecond
	fdBackoffMax = time.Second
)

// pace makes the worker wait, doubling each time, while its requests find
// no file descriptor free; any other outcome ends the wait.
func (f *flight) pace(ctx context.Context, noFD bool) {
	if !noFD {
		f.backoff = 0
		return
	}
	f.backoff = min(max(2*f.backoff, fdBackoffMin), fdBackoffMax)
	t := time.NewTimer(f.backoff)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
