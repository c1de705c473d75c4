package loadgen

import (
	"context"
	"math"
	"runtime"
	"sync"
	"time"

	"github.com/strain-dev/strain/loadgen/send"
)

// rampEvery is how often a ramping closed model adjusts its workers.
const rampEvery = 10 * time.Millisecond

// runClosed keeps the asked-for number of requests in flight, each worker
// sending its next request as soon as its last one finishes.
func (e *Engine) runClosed(ctx context.Context) {
	profile := Profile{Start: float64(e.cfg.Concurrency), Stages: e.cfg.Stages}
	var wg sync.WaitGroup
	var stops []chan struct{}
	resize := func(n int) {
		for len(stops) < n {
			stop := make(chan struct{})
			stops = append(stops, stop)
			wg.Add(1)
			go func(id int) {
				defer wg.Done()
				e.closedWorker(ctx, id, stop)
			}(len(stops) - 1)
		}
		for len(stops) > n {
			close(stops[len(stops)-1])
			stops = stops[:len(stops)-1]
		}
	}
	// level is the stages' level, or the one set by hand; none while paused.
	level := func() int {
		v := profile.At(time.Since(e.started))
		override, paused, _ := e.live.state()
		if override > 0 {
			v = override
		}
		e.setLevel(v)
		if paused {
			return 0
		}
		return int(math.Round(v))
	}
	resize(level())
	var tick <-chan time.Time
	if len(e.cfg.Stages) > 0 {
		t := time.NewTicker(rampEvery)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-ctx.Done():
		case <-e.exhausted:
		case <-tick:
			resize(level())
			continue
		case <-e.live.changed:
			resize(level())
			continue
		}
		break
	}
	resize(0)
	wg.Wait()
}

func (e *Engine) closedWorker(ctx context.Context, id int, stop <-chan struct{}) {
	s := e.newSender(ctx)
	defer s.Close()
	fl := e.flights.add()
	defer e.flights.remove(fl)
	yield := !e.transport.Gathers()
	o := send.NewOutgoing()
	for {
		select {
		case <-stop:
			return
		case <-ctx.Done():
			return
		default:
		}
		if !e.claim() {
			return
		}
		if !e.do(ctx, s, o, fl, id, time.Now()) {
			return
		}
		// Let the other workers whose responses are in read them before
		// this one sends again. The wait falls outside every request's
		// latency, where it would otherwise fall inside: a worker that
		// sends at once finds its answer ready only after those workers
		// have run. The sends then go out together, as wrk's do, which
		// spares the target a wake-up per request (BENCHMARKS.md §1).
		// On HTTP/2 a connection's writer gathers the sends (package h2):
		// the yield would be one more trip through the scheduler.
		if yield {
			runtime.Gosched()
		}
	}
}
