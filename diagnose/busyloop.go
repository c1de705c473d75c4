package diagnose

import (
	"fmt"
	"math"
	"time"

	"github.com/strain-dev/strain/metric"
)

// loopWork is the CPU a request must run on an event loop, on average,
// for the loop's business to be its handlers' own CPU-bound work
// (scoring, parsing, rendering in the interpreter) rather than the loop
// serving many light requests: a hello-world costs a tenth of it.
const loopWork = time.Millisecond

// heavyHandlers says, interval by interval, whether an event loop's
// requests each ran loopWork or more of its CPU. A loop busy with such
// handlers starves its ready tasks even when each request costs what it
// cost before: the loop has one core, and what holds it is to be moved
// off it (an executor, a process pool), which more load or more cores
// do not change. Light requests that keep a loop busy are its capacity.
func (t *timeline) heavyHandlers(s metric.Scope) []bool {
	heavy := make([]bool, len(t.times))
	if !t.in.Load || !t.eventLoop(s) {
		return heavy
	}
	cpu, thr := t.col(s.Of("cpu").String()), t.col("throughput")
	for i := range heavy {
		heavy[i] = thr[i] > 0 && cpu[i]/100/thr[i] >= secs(loopWork)
	}
	return heavy
}

// handlersWork is what a busy loop's requests each ran on it over r, for
// a starvation's sentence; "" when they were light.
func (t *timeline) handlersWork(s metric.Scope, heavy []bool, r run) string {
	n := 0
	for _, h := range heavy[r.from : r.to+1] {
		if h {
			n++
		}
	}
	if 2*n <= r.to-r.from+1 {
		return ""
	}
	perRequest := mean(t.col(s.Of("cpu").String()), r) / 100 / mean(t.col("throughput"), r)
	if math.IsNaN(perRequest) || math.IsInf(perRequest, 0) {
		return ""
	}
	return fmt.Sprintf(", %s of it per request: CPU-bound work in its handlers holds the loop", metric.FormatSeconds(perRequest))
}
