package loadgen

import (
	"context"
	"math"
	"sync"
	"time"
)

// runOpen starts requests on the schedule of the rate profile, whatever the
// target does, and at the end counts the scheduled requests that never
// started as dropped.
// Workers are added as needed up to Concurrency; when all are busy, the
// schedule's next requests wait, start late, and are timed from their
// intended start.
func (e *Engine) runOpen(ctx context.Context) {
	profile := Profile{Start: e.cfg.Rate, Stages: e.cfg.Stages}
	ticks := make(chan time.Time)
	var wg sync.WaitGroup
	workers := 0
	pinPacer()
	var sent int64
	for e.cfg.Requests == 0 || sent < e.cfg.Requests {
		due, ok := profile.HitTime(float64(sent))
		if !ok || (e.cfg.Duration > 0 && due >= e.cfg.Duration) {
			break
		}
		e.setLevel(profile.At(due))
		intended := e.started.Add(due)
		if !sleepUntil(ctx, intended) || !e.dispatch(ctx, ticks, intended, &workers, &wg) {
			break
		}
		sent++
	}
	close(ticks)
	wg.Wait()
	e.dropped.Store(e.dueBy(profile, time.Since(e.started)) - sent)
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
		*workers++
		wg.Add(1)
		go func(id int) {
			defer wg.Done()
			for intended := range ticks {
				e.issued.Add(1)
				e.do(ctx, id, intended)
			}
		}(*workers - 1)
	}
	select {
	case ticks <- intended:
		return true
	case <-ctx.Done():
		return false
	}
}

// dueBy is how many requests the schedule had started by elapsed, within
// the run's bounds.
func (e *Engine) dueBy(p Profile, elapsed time.Duration) int64 {
	if e.cfg.Duration > 0 {
		elapsed = min(elapsed, e.cfg.Duration)
	}
	n := int64(math.Ceil(p.Hits(elapsed) - 1e-9))
	if e.cfg.Requests > 0 {
		n = min(n, e.cfg.Requests)
	}
	return n
}
