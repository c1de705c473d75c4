package session

import (
	"fmt"
	"slices"
	"time"

	"github.com/strain-dev/strain/alert"
	"github.com/strain-dev/strain/metric"
)

// abortWatch ends a run early once a gate is sure to fail, or its metric
// has breached the gate for as long as after. It is a pure function of
// the times and metrics it is given.
type abortWatch struct {
	cat     *metric.Catalogue
	after   time.Duration
	gates   []*alert.Gate
	breachd map[*alert.Gate]time.Time // when each live breach began
}

func newAbortWatch(gates []*alert.Gate, after time.Duration, cat *metric.Catalogue) *abortWatch {
	return &abortWatch{cat: cat, after: after, gates: gates, breachd: map[*alert.Gate]time.Time{}}
}

// observe looks at one point's live metrics and returns why the run should
// stop, or "".
func (a *abortWatch) observe(now time.Time, metrics map[string]float64) string {
	if a == nil {
		return ""
	}
	for _, g := range a.gates {
		live, sure := liveMetric(g, a.cat)
		v, ok := metrics[live]
		if !ok || g.Op.Holds(v, g.Threshold) {
			delete(a.breachd, g)
			continue
		}
		since, seen := a.breachd[g]
		if !seen {
			since = now
			a.breachd[g] = now
		}
		if sure || now.Sub(since) >= a.after {
			return fmt.Sprintf("gate %q breached (%s = %s)", g.Text, live, metric.Format(live, v))
		}
	}
	return ""
}

// totals are whole-run figures at least as large as any interval's: one
// interval above an upper bound on them decides the gate.
var totals = []string{"latency.max", "latency_uncorrected.max", "requests", "errors", "dropped", "late", "unfinished", "bytes_in", "bytes_out", "messages"}

// liveMetric is the per-interval metric a gate's summary comes from, and
// whether one breach already decides the gate: a max (or total) above an
// upper bound, or a min below a lower one, can only stay so.
func liveMetric(g *alert.Gate, cat *metric.Catalogue) (string, bool) {
	upper := g.Op == alert.Less || g.Op == alert.LessEqual
	if series, stat, ok := cat.Summary(g.Metric); ok {
		return series, (stat == "max" && upper) || (stat == "min" && !upper)
	}
	return g.Metric, upper && slices.Contains(totals, g.Metric)
}

// abortError is why a run ended early as failed: a gate was sure to
// fail, or End was given why.
type abortError struct {
	Why string
	T   float64 // seconds since the start
}

func (e *abortError) Error() string { return fmt.Sprintf("aborted at %.1fs: %s", e.T, e.Why) }
