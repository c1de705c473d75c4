package loadgen

import (
	"context"
	"math"
	"runtime"
	"sync"
	"time"

	"github.com/strain-dev/strain/loadgen/send"
)

// runOpen starts requests on the schedule of the rate profile, whatever the
// target does, and at the end counts the scheduled requests that never
// started as dropped.
// Workers are added as needed up to Concurrency; when all are busy, the
// schedule's next requests wait, start late, and are timed from their
// intended start.
//
// The pacer yields after each hand-off so that the worker it woke runs at
// once, on the pacer's own thread. Otherwise the worker would wait in the
// run queue of the P that the pacer keeps while it sleeps in nanosleep
// (sleep_linux.go) until another thread took it: tens of microseconds on
// an idle machine, milliseconds when every P is busy. With only one P the
// pacer parks on a timerfd instead, giving the P up (pacerSleep).
func (e *Engine) runOpen(ctx context.Context) {
	sleepUntil, stopSleep := pacerSleep(runtime.GOMAXPROCS(0))
	defer stopSleep()
	sched := &schedule{profile: Profile{Start: e.cfg.Rate, Stages: e.cfg.Stages}}
	ticks := make(chan time.Time)
	var wg sync.WaitGroup
	workers := 0
	var sent int64
	var seen uint64 // the live version the schedule reflects
	for e.cfg.Requests == 0 || sent < e.cfg.Requests {
		if !e.followLive(ctx, sched, &seen, sent) {
			break
		}
		due, ok := sched.due(float64(e.cfg.Segment.nth(sent)))
		if !ok || (e.cfg.Duration > 0 && due >= e.cfg.Duration) {
			break
		}
		e.setLevel(sched.profile.At(due-sched.base) * e.cfg.Segment.Share())
		intended := e.started.Add(due)
		if !sleepUntil(ctx, intended) {
			break
		}
		if _, _, v := e.live.state(); v != seen {
			continue // changed while asleep: this request's time is recomputed
		}
		if !e.dispatch(ctx, ticks, intended, &workers, &wg) {
			break
		}
		runtime.Gosched()
		sent++
	}
	close(ticks)
	// A schedule whose next request falls past the end still runs to the
	// end: at 0.5 req/s for 4 s the last request is due at 2 s, and the
	// run lasts 4 s. A run bounded by -n ends with its last request.
	if e.cfg.Duration > 0 && (e.cfg.Requests == 0 || sent < e.cfg.Requests) {
		sleepUntil(ctx, e.started.Add(e.cfg.Duration))
	}
	wg.Wait()
	// Never below zero: the pacer may send a request due a hair before
	// the end that the count, rounding, leaves out.
	e.dropped.Store(max(e.dueBy(sched, time.Since(e.started))-sent, 0))
}

// followLive brings the schedule up to date with a rate set by hand, and
// waits out a pause, moving the schedule on by its length. A signal on
// changed only says "look again": the state is always re-read. It reports
// false when ctx ended first.
func (e *Engine) followLive(ctx context.Context, sched *schedule, seen *uint64, sent int64) bool {
	now := time.Since(e.started)
	for {
		override, paused, v := e.live.state()
		if v != *seen {
			*seen = v
			if override > 0 && (override != sched.profile.Start || len(sched.profile.Stages) > 0) {
				sched.rebase(override, now, e.cfg.Segment.nth(sent))
			}
		}
		if !paused {
			return true
		}
		select {
		case <-ctx.Done():
			// Paused to the end: the pause is not the schedule's, and what
			// it held back is not dropped.
			sched.base += time.Since(e.started) - now
			return false
		case <-e.live.changed:
		}
		later := time.Since(e.started)
		sched.base += later - now // resume where it stopped
		now = later
	}
}

// dispatch hands intended to an idle worker, adding one if all are busy and
// the cap allows, else waiting for one to come free. It reports false when
// ctx ended first.
func (e *Engine) dispatch(ctx context.Context, ticks chan time.Time, intended time.Time, workers *int, wg *sync.WaitGroup) bool {
	select {
	case ticks <- intended:
		return true
	default:
	}
	if *workers < e.cfg.Concurrency {
		// The new worker takes this request as its first, so that the
		// pacer does not wait for the goroutine to start.
		*workers++
		wg.Add(1)
		go e.openWorker(ctx, ticks, wg, *workers-1, intended)
		return true
	}
	select {
	case ticks <- intended:
		return true
	case <-ctx.Done():
		return false
	}
}

// openWorker sends first, then each request the pacer hands it, until the
// pacer closes ticks.
func (e *Engine) openWorker(ctx context.Context, ticks <-chan time.Time, wg *sync.WaitGroup, id int, first time.Time) {
	defer wg.Done()
	s := e.newSender(ctx)
	defer s.Close()
	fl := e.flights.add()
	defer e.flights.remove(fl)
	o := send.NewOutgoing()
	e.do(ctx, s, o, fl, id, first)
	for intended := range ticks {
		e.do(ctx, s, o, fl, id, intended)
	}
}

// dueBy is how many requests the schedule had started by elapsed, within
// the run's bounds.
func (e *Engine) dueBy(s *schedule, elapsed time.Duration) int64 {
	if e.cfg.Duration > 0 {
		elapsed = min(elapsed, e.cfg.Duration)
	}
	n := e.cfg.Segment.Of(int64(math.Ceil(s.hits(elapsed) - 1e-9)))
	if e.cfg.Requests > 0 {
		n = min(n, e.cfg.Requests)
	}
	return n
}
