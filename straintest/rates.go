package straintest

import (
	"runtime"
	"sync"
)

// The profile rates a run of Run sets, so that the mutex and block
// profiles an alert captures from the handler have samples in them: the
// runtime records neither unless asked, and a test process never asks.
const (
	// mutexFraction reports one contention event in 5 on average, the rate
	// the demo target uses: enough to name a lock contended for a few
	// milliseconds a request within a two-second run, at a cost the
	// runtime documents as small.
	mutexFraction = 5
	// blockRate samples blocking events of 10µs and more, and shorter ones
	// in proportion to their length. At rate 1 every channel operation and
	// every wait on a lock is recorded, which slows a handler measurably
	// under load; 10µs keeps the stacks that make a handler slow (blocking
	// for milliseconds) at a fraction of that cost, as the demo target does.
	blockRate = 10_000 // nanoseconds
)

// rates counts the runs in flight, so that parallel tests share one
// setting: the first run in sets the rates, the last one out restores
// them. Without the count, a run ending while another is loading would
// turn the other's profiling off, and the last to end could leave the
// rates on for good.
var rates struct {
	sync.Mutex
	runs  int
	mutex int // the mutex fraction before the first run
}

// profileRates turns mutex and block profiling on for a run and returns
// the function that restores them. The mutex fraction goes back to what it
// was. The block rate goes back to 0, off, the runtime's default: the
// runtime has no getter for it (runtime.SetBlockProfileRate returns
// nothing, and neither runtime/pprof nor runtime/metrics reports it), so a
// test that set its own rate before the run sets it again after.
func profileRates() (restore func()) {
	rates.Lock()
	defer rates.Unlock()
	if rates.runs == 0 {
		rates.mutex = runtime.SetMutexProfileFraction(mutexFraction)
		runtime.SetBlockProfileRate(blockRate)
	}
	rates.runs++
	return sync.OnceFunc(func() {
		rates.Lock()
		defer rates.Unlock()
		rates.runs--
		if rates.runs == 0 {
			runtime.SetMutexProfileFraction(rates.mutex)
			runtime.SetBlockProfileRate(0)
		}
	})
}
