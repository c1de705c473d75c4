package capacity

import (
	"math"
	"testing"
	"time"

	"github.com/strain-dev/strain/loadgen"
	"github.com/strain-dev/strain/report"
	"github.com/strain-dev/strain/session"
)

// window is one interval of i seconds from start, with n responses at
// each latency given.
func window(start int, n int64, lats ...time.Duration) *loadgen.Window {
	w := &loadgen.Window{Counts: loadgen.NewCounts(), Start: time.Duration(start) * time.Second, End: time.Duration(start+1) * time.Second}
	for _, l := range lats {
		for range n {
			w.Latency.RecordValue(int64(l))
			w.Uncorrected.RecordValue(int64(l))
			w.Requests++
			w.Status[200]++
		}
		w.MaxLatency = max(w.MaxLatency, l)
		w.MaxUncorr = w.MaxLatency
	}
	return w
}

// The measured part is the windows after the warm-up: its figures come
// from their merged histograms, a target's series is summarised, and a
// bare series name reads as its mean.
func TestMeasureLeavesOutTheWarmUp(t *testing.T) {
	var forwarded []float64
	m := newMeasure(time.Second, 100, []session.Sink{session.SinkFunc(func(p *session.Point) { forwarded = append(forwarded, p.T) })})
	lat := []time.Duration{time.Second, 10 * time.Millisecond, 20 * time.Millisecond} // the warm-up's, then the measured part's
	for i, l := range lat {
		m.Observe(&session.Point{Point: report.Point{T: float64(i + 1), Metrics: map[string]float64{"target.cpu": float64(10 * (i + 1))}},
			Window: window(i, 100, l)})
	}
	sum := m.summary(200)
	if sum["requests"] != 200 || sum["throughput"] != 100 || m.seconds() != 2 {
		t.Errorf("requests %g throughput %g over %gs; want 200, 100 over 2s", sum["requests"], sum["throughput"], m.seconds())
	}
	if p99 := sum["latency.p99"]; math.Abs(p99-0.020) > 0.0001 {
		t.Errorf("p99 %g, want 20ms: the warm-up's 1s left out", p99)
	}
	if sum["target.cpu.mean"] != 25 || sum["target.cpu.max"] != 30 || judged(sum)["target.cpu"] != 25 {
		t.Errorf("cpu mean %g max %g bare %g; want 25, 30, 25", sum["target.cpu.mean"], sum["target.cpu.max"], judged(sum)["target.cpu"])
	}
	if _, ok := sum["target.cpu"]; ok {
		t.Errorf("the summary holds a bare series: renderers would take it for a statistic")
	}
	if len(forwarded) != 3 || forwarded[0] != 101 {
		t.Errorf("forwarded %v, want 3 points from 101s", forwarded)
	}
}

// A step ends early only when an SLO on the load is past twice its
// threshold, after two measured intervals.
func TestStepEndsEarlyBeyondDoubt(t *testing.T) {
	slos := gates(t, "latency.p99 < 50ms", "throughput >= 100", "target.cpu < 50")
	var ended string
	m := newMeasure(0, 0, nil)
	m.decided = func(sum map[string]float64) string { return failedBeyondDoubt(slos, sum) }
	m.end = func(why string) { ended = why }
	m.Observe(&session.Point{Point: report.Point{T: 1, Metrics: map[string]float64{}}, Window: window(0, 100, 200*time.Millisecond)})
	if ended != "" {
		t.Fatalf("ended after one interval: %s", ended)
	}
	m.Observe(&session.Point{Point: report.Point{T: 2, Metrics: map[string]float64{}}, Window: window(1, 100, 200*time.Millisecond)})
	if ended == "" {
		t.Fatal("a p99 four times its SLO did not end the step")
	}
	near := newMeasure(0, 0, nil)
	near.decided, near.end = m.decided, func(why string) { t.Errorf("ended near the threshold: %s", why) }
	for i := range 4 {
		near.Observe(&session.Point{Point: report.Point{T: float64(i + 1), Metrics: map[string]float64{"target.cpu": 99}}, Window: window(i, 100, 90*time.Millisecond)})
	}
}
