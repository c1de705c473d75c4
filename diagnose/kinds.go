package diagnose

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/strain-dev/strain/metric"
	"github.com/strain-dev/strain/report"
)

// Thresholds. Each is a point past which the figure is no longer a healthy
// service's, not a fine line: a finding needs it held over intervals.
const (
	starvedSched   = 10 * time.Millisecond // scheduler p99 that costs requests
	severeSched    = 50 * time.Millisecond
	busyShare      = 0.8                   // of the target's CPU limit
	ownShare       = 0.5                   // of its limit, past which a starved service's own work is what starves it
	waitingLatency = 20 * time.Millisecond // a request's p50 worth asking about
	runningShare   = 0.1                   // of a request's time spent on CPU, below which it mostly waits
	lockWait       = 0.5                   // seconds waited on locks per second
	severeLockWait = 5.0
	gcShare        = 0.25 // of the CPU the runtime used
	severeGCShare  = 0.5
	gcPause        = 10 * time.Millisecond
	stalledFor     = time.Second // the oldest request in flight, with none completed
	errorShare     = 0.01
	severeErrors   = 0.1
	minErrors      = 5 // failures in an interval, so that one failure in ten is not a burst
	maxBursts      = 5
)

func secs(d time.Duration) float64 { return d.Seconds() }

// name is target s's name, as the run calls it.
func (t *timeline) name(s metric.Scope) string {
	for _, tg := range t.in.Targets {
		if tg.Scope == s && tg.Name != "" {
			return tg.Name
		}
	}
	return "the target"
}

// when is a span in words: "from 12s to 20s".
func (t *timeline) when(f report.Finding) string {
	return fmt.Sprintf("from %s to %s", metric.FormatSeconds(f.Start), metric.FormatSeconds(f.End))
}

// starvation: ready work waits to run. Either the service keeps its
// cores busy, or the cores are not there for it (other processes on the
// machine, a CPU quota); the GC's own stops, when they take the CPU, are
// gc_pressure's.
func (t *timeline) starvation(s metric.Scope) []report.Finding {
	schedName, cpuName := s.Of("sched_latency.p99").String(), s.Of("cpu").String()
	sched, cpu, gc := t.lo(schedName), t.col(cpuName), t.col(s.Of("gc_cpu").String())
	cores, known := t.cores(s)
	limit := 100 * cores
	ok := make([]bool, len(sched))
	loop := t.eventLoop(s)
	own, heavy := t.ownWork(s, cores, known), t.heavyHandlers(s)
	// A scheduler that kept ready work waiting from the start is how the
	// service runs under this load (its requests queue for its cores),
	// not something that befell it: starvation is a rise.
	floor := secs(starvedSched)
	if before := t.baselineOf(schedName).Hi; before > 0 && !math.IsInf(before, 1) {
		floor = max(floor, riseFactor*before)
	}
	for i := range ok {
		// An event loop's CPU-bound handlers hold it however long they
		// have (heavyHandlers): no rise is asked of them. An event loop
		// running at less than its core is not starved: it is blocked
		// (blockedLoop says so).
		over := sched[i] >= floor || heavy[i] && sched[i] >= secs(starvedSched)
		ok[i] = over && !(gc[i] >= gcShare) && !(loop && !(cpu[i] >= busyShare*limit)) && !(own[i] && !heavy[i])
	}
	var out []report.Finding
	// Three intervals: a busy neighbour on a shared machine makes a
	// second or two of it.
	for _, r := range runsOver(sched, ok, 3) {
		top, busy := t.peakOf(schedName, r), peak(cpu, r)
		f := t.finding(report.Starvation, severity(top.Lo >= secs(severeSched)), s, r)
		f.Summary = fmt.Sprintf("%s: ready work waited %s to run (scheduler p99%s)", t.name(s), upTo(schedName, top), t.before(schedName, "; "))
		f.Evidence = append(f.Evidence, t.evidenceOf(schedName, r))
		f.Next = t.advice(s, report.Starvation)
		switch {
		case math.IsNaN(busy):
		case !known:
			f.Summary += fmt.Sprintf(" while the service used %s CPU (its CPU limit is unknown)", metric.Format(cpuName, busy))
			f.Evidence = append(f.Evidence, evidence(cpuName, busy))
		case busy >= ownShare*limit:
			// Its own work kept it busy, whoever had the other cores.
			f.Summary += fmt.Sprintf(" while the service used %s of its %s CPU", metric.Format(cpuName, busy), metric.Format(cpuName, limit))
			f.Summary += t.handlersWork(s, heavy, r)
			f.Evidence = append(f.Evidence, evidence(cpuName, busy))
		default:
			f.Summary += fmt.Sprintf(" though the service used only %s of its %s CPU: the cores were not there for it", metric.Format(cpuName, busy), metric.Format(cpuName, limit))
			f.Evidence = append(f.Evidence, evidence(cpuName, busy))
			f.Next = "Something else had the cores: other processes on the machine, or a CPU quota (cgroup throttling); the CPU profile shows what the service itself ran."
		}
		f.Summary += ", " + t.when(f)
		f.Summary += t.loadEffect(r, &f)
		out = append(out, f)
	}
	return out
}

// cpuBound is how many times longer than queueing for the cores would
// take requests must wait to be waiting on something else.
const cpuBound = 2

// riseFactor is how many times its value before the trouble the
// scheduler's latency must reach to be starvation.
const riseFactor = 2

// hogShare is how much more CPU per request than before the trouble a
// busy service must spend for its scheduler's latency to be more than its
// requests queueing for its cores.
const hogShare = 1.5

// ownWork says, interval by interval, whether a busy service's CPU went
// to its requests, as much per request as before: ready work then waits
// because the load takes every core the service has, which is its
// capacity (saturation, strain capacity), not work that starves it.
func (t *timeline) ownWork(s metric.Scope, cores float64, known bool) []bool {
	own := make([]bool, len(t.times))
	if !t.in.Load {
		return own
	}
	cpu, thr := t.col(s.Of("cpu").String()), t.col("throughput")
	before := t.baseline(s.Of("cpu").String()) / t.baseline("throughput")
	if !(before > 0) || math.IsInf(before, 1) {
		return own // no CPU per request before the trouble to compare with
	}
	for i := range own {
		busy := !known || cpu[i] >= ownShare*100*cores
		own[i] = busy && thr[i] > 0 && cpu[i]/thr[i] < hogShare*before
	}
	return own
}

// blockedLoop: an event loop's lag is high while it barely uses its core:
// something on the loop waited without yielding (a blocking call).
func (t *timeline) blockedLoop(s metric.Scope) []report.Finding {
	if !t.eventLoop(s) {
		return nil
	}
	lagName, cpuName := s.Of("sched_latency.p99").String(), s.Of("cpu").String()
	lag, cpu := t.lo(lagName), t.col(cpuName)
	ok := make([]bool, len(lag))
	for i := range ok {
		ok[i] = lag[i] >= secs(starvedSched) && !(cpu[i] >= busyShare*100)
	}
	var out []report.Finding
	for _, r := range runsOver(lag, ok, 2) {
		top := t.peakOf(lagName, r)
		f := t.finding(report.Blocking, severity(top.Lo >= secs(severeSched)), s, r)
		f.Summary = fmt.Sprintf("%s: the event loop was blocked: ready tasks waited %s to run (loop lag p99%s) while it used %s of its one core, %s",
			t.name(s), upTo(lagName, top), t.before(lagName, "; "), metric.Format(cpuName, orZero(peak(cpu, r))), t.when(f))
		f.Evidence = append(f.Evidence, t.evidenceOf(lagName, r))
		f.Summary += t.loadEffect(r, &f)
		f.Next = t.advice(s, report.Blocking)
		out = append(out, f)
	}
	return out
}

// eventLoop reports whether target s is an event loop's (tasks, no
// goroutines): one core, and a lag rather than a scheduler.
func (t *timeline) eventLoop(s metric.Scope) bool {
	return t.has(s.Of("tasks").String()) && !t.has(s.Of("goroutines").String())
}

// loadEffect is what the span did to the load's latency, for a summary.
func (t *timeline) loadEffect(r run, f *report.Finding) string {
	if !t.in.Load {
		return "."
	}
	p99 := peak(t.col("latency.p99"), r)
	if math.IsNaN(p99) {
		return "."
	}
	f.Evidence = append(f.Evidence, evidence("latency.p99", p99))
	return fmt.Sprintf("; the load's p99 reached %s%s.", metric.FormatSeconds(p99), t.before("latency.p99", " ("))
}

// before is a metric's value before the trouble, for a sentence: after
// sep, "419µs before", or its range where it was read from buckets; ""
// when the first intervals had none.
func (t *timeline) before(name string, sep string) string {
	base := t.baselineOf(name)
	if math.IsNaN(base.Lo) || math.IsNaN(base.Hi) {
		return ""
	}
	s := sep + metric.FormatRange(name, base) + " before"
	if strings.HasSuffix(sep, "(") {
		s += ")"
	}
	return s
}

func severity(critical bool) report.Severity {
	if critical {
		return report.Critical
	}
	return report.Warning
}

// contention: goroutines wait on locks.
func (t *timeline) contention(s metric.Scope) []report.Finding {
	name := s.Of("mutex_wait").String()
	if !t.has(name) && t.has(s.Of("mutex_waiters").String()) {
		return t.sampledContention(s)
	}
	wait := t.col(name)
	var out []report.Finding
	for _, r := range runsAbove(wait, lockWait, 2) {
		top := peak(wait, r)
		f := t.finding(report.Contention, severity(top >= severeLockWait), s, r)
		f.Summary = fmt.Sprintf("%s: goroutines waited on locks for up to %.1f s in every second (as if %.0f of them waited all the time), %s",
			t.name(s), top, math.Ceil(top), t.when(f))
		f.Evidence = append(f.Evidence, report.Evidence{Metric: name, Value: top, Shown: fmt.Sprintf("%.1f s/s", top)})
		f.Summary += t.loadEffect(r, &f)
		f.Next = t.advice(s, report.Contention)
		out = append(out, f)
	}
	return out
}

// minWaiters is how many goroutines a goroutine dump must find parked on
// a lock, in two dumps in a row, for contention: one is a lock's ordinary
// hand-over caught in the act.
const minWaiters = 2

// sampledContention: goroutine dumps, where trace windows are off, find
// goroutines parked on locks at the moments they were taken: a count,
// said as such, not a time waited.
func (t *timeline) sampledContention(s metric.Scope) []report.Finding {
	name := s.Of("mutex_waiters").String()
	waiters := t.col(name)
	var out []report.Finding
	for _, r := range runsAbove(waiters, minWaiters, 2) {
		top := peak(waiters, r)
		f := t.finding(report.Contention, report.Warning, s, r)
		f.Summary = fmt.Sprintf("%s: up to %s goroutines were parked on a lock at once (sampled from goroutine dumps), %s",
			t.name(s), metric.FormatNumber(top), t.when(f))
		f.Evidence = append(f.Evidence, evidence(name, top))
		f.Summary += t.loadEffect(r, &f)
		f.Next = t.advice(s, report.Contention)
		out = append(out, f)
	}
	return out
}

// blocking: requests take long while the service barely runs: they wait,
// on a lock, a dependency, I/O, a pool, or too few threads.
func (t *timeline) blocking(s metric.Scope, explained []report.Finding) []report.Finding {
	cpuName, schedName := s.Of("cpu").String(), s.Of("sched_latency.p99").String()
	cpu, sched := t.col(cpuName), t.lo(schedName)
	p50, thr := t.col("latency.p50"), t.col("throughput")
	cores, known := t.cores(s)
	if !known {
		return nil // requests that wait for the cores look the same
	}
	inflight := t.col("inflight")
	ok := make([]bool, len(cpu))
	for i := range ok {
		perRequest := cpu[i] / 100 / thr[i] // seconds of CPU per request
		// A service at its CPU limit has its requests wait for its cores:
		// its capacity, not a wait on something else. So does one whose
		// requests in flight, each needing perRequest of CPU, queue for
		// its cores about as long as p50 (Little's law): a CPU reading
		// between slow scrapes can miss the first.
		cpuQueue := orZero(inflight[i]) * perRequest / cores
		ok[i] = p50[i] >= secs(waitingLatency) && thr[i] > 0 && perRequest <= runningShare*p50[i] && cpu[i] < busyShare*100*cores &&
			p50[i] >= cpuBound*cpuQueue && !(sched[i] >= secs(starvedSched)) && !t.covered(i, explained) && !t.covered(i, t.stallSpans)
	}
	var out []report.Finding
	for _, r := range runsOver(cpu, ok, 2) {
		lat, busy, rate := peak(p50, r), mean(cpu, r), mean(thr, r)
		perRequest := busy / 100 / rate
		f := t.finding(report.Blocking, severity(peak(t.col("latency.p99"), r) >= 1), s, r)
		f.Summary = fmt.Sprintf("%s: requests waited rather than ran: p50 up to %s while the service spent %s of CPU on each (%s CPU at %s req/s), %s",
			t.name(s), metric.FormatSeconds(lat), metric.FormatSeconds(perRequest), metric.Format(cpuName, busy), metric.FormatNumber(math.Round(rate)), t.when(f))
		f.Evidence = append(f.Evidence, evidence("latency.p50", lat), evidence(cpuName, busy), evidence("throughput", rate))
		f.Summary += t.loadEffect(r, &f)
		f.Next = t.advice(s, report.Blocking)
		out = append(out, f)
	}
	return out
}

// covered reports whether interval i lies within one of the findings'
// spans, or next to one.
func (t *timeline) covered(i int, fs []report.Finding) bool {
	lo, hi := t.times[i], t.times[i]
	if i > 0 {
		lo = t.times[i-1]
	}
	for _, f := range fs {
		gap := t.interval()
		if hi > f.Start-gap && lo < f.End+gap {
			return true
		}
	}
	return false
}

// interval is the run's interval, in seconds.
func (t *timeline) interval() float64 {
	if len(t.times) < 2 {
		return 1
	}
	return (t.times[len(t.times)-1] - t.times[0]) / float64(len(t.times)-1)
}

func mean(v []float64, r run) float64 {
	sum, n := 0.0, 0
	for _, x := range v[r.from : r.to+1] {
		if !math.IsNaN(x) {
			sum += x
			n++
		}
	}
	if n == 0 {
		return math.NaN()
	}
	return sum / float64(n)
}

// leak: goroutines grow, steadily and past what the load's concurrency
// explains, and do not come back: a leak still held at the end (or after
// the cooldown) is as bad as its size; one that something released later
// is told as a warning.
func (t *timeline) leak(s metric.Scope) []report.Finding {
	// Goroutines, or an event loop's tasks.
	units := "goroutines"
	if !t.has(s.Of(units).String()) {
		units = "tasks"
	}
	name := s.Of(units).String()
	g := t.col(name)
	base := t.floor(name)
	last, at := lastValue(g)
	if math.IsNaN(base) || at < 0 {
		return nil
	}
	var out []report.Finding
	for _, r := range t.growth(g) {
		// A server holds a goroutine or two per connection: what the
		// load's concurrency explains is no leak.
		explained := max(100, 0.5*base, 3*orZero(peak(t.col("inflight"), r)))
		rise := g[r.to] - g[max(r.from-1, 0)]
		if rise < explained {
			continue
		}
		// At the end, the connections the load opened may still be
		// open, each with its goroutine.
		held := last >= base+max(explained, 3*orZero(peak(t.col("inflight"), t.all())))/2
		f := t.finding(report.Leak, severity(held && rise >= 1000), s, r)
		rate := rise / math.Max(f.End-f.Start, t.interval())
		f.Summary = fmt.Sprintf("%s: %s grew from %s to %s, %s a second, %s", t.name(s), units,
			metric.FormatNumber(g[max(r.from-1, 0)]), metric.FormatNumber(g[r.to]), metric.FormatNumber(math.Round(rate)), t.when(f))
		switch {
		case !held:
			f.Severity = report.Warning
			f.Summary += fmt.Sprintf(", and were held until something released them (%s at the end).", metric.FormatNumber(last))
		case t.in.LoadEnd > 0 && at > t.loadEnd():
			f.Summary += fmt.Sprintf(", and had not returned to their baseline of %s %s after the load stopped.", metric.FormatNumber(base), metric.FormatSeconds(t.times[at]-t.in.LoadEnd))
		default:
			f.Summary += fmt.Sprintf(", and have not returned to their baseline of %s (--cooldown judges it after the load).", metric.FormatNumber(base))
		}
		f.Evidence = append(f.Evidence, evidence(name, g[r.to]), report.Evidence{Metric: name + ".baseline", Value: base, Shown: metric.FormatNumber(base)})
		f.Next = t.advice(s, report.Leak)
		out = append(out, f)
	}
	return out
}

// growth are the spans over which v rose interval after interval, for at
// least minGrowth intervals.
func (t *timeline) growth(v []float64) []run {
	up := make([]bool, len(v))
	for i := 1; i < len(v); i++ {
		up[i] = v[i] > v[i-1]
	}
	return runs(up, minGrowth)
}

// minGrowth is how many intervals of growth make a trend, not noise.
const minGrowth = 4

// orZero is v, or 0 when it is NaN (a metric the run did not have).
func orZero(v float64) float64 {
	if math.IsNaN(v) {
		return 0
	}
	return v
}

// all is the whole run.
func (t *timeline) all() run { return run{0, len(t.times) - 1} }

func lastValue(v []float64) (float64, int) {
	for i := len(v) - 1; i >= 0; i-- {
		if !math.IsNaN(v[i]) {
			return v[i], i
		}
	}
	return math.NaN(), -1
}

// rising reports whether v ends near its high: it grew and stayed, rather
// than rose and fell back.
func (t *timeline) rising(v []float64, at int) bool {
	return v[at] >= 0.8*peak(v, run{0, at})
}

// memoryGrowth: the heap (or RSS) grows and stays.
func (t *timeline) memoryGrowth(s metric.Scope) []report.Finding {
	for _, m := range []string{"heap", "rss", "memory"} {
		name := s.Of(m).String()
		v := t.col(name)
		base := t.floor(name)
		last, at := lastValue(v)
		if math.IsNaN(base) || at < 0 {
			continue
		}
		if last < 2*base || last-base < 64<<20 || !t.rising(v, at) {
			return nil
		}
		from := slices.IndexFunc(v, func(x float64) bool { return x >= base+(last-base)/10 })
		f := t.finding(report.MemoryGrowth, severity(last >= 3*base && last-base >= 256<<20), s, run{max(from, 0), at})
		f.Summary = fmt.Sprintf("%s: its %s grew from %s to %s and had not come down by the end.", t.name(s), m, metric.FormatBytes(base), metric.FormatBytes(last))
		f.Evidence = append(f.Evidence, evidence(name, last))
		f.Next = t.advice(s, report.MemoryGrowth)
		return []report.Finding{f}
	}
	return nil
}

// gcPressure: the GC takes a large share of the CPU, or pauses long.
func (t *timeline) gcPressure(s metric.Scope) []report.Finding {
	shareName, pauseName, rateName := s.Of("gc_cpu").String(), s.Of("gc_pause.p99").String(), s.Of("gc_rate").String()
	share, pause, sched := t.col(shareName), t.lo(pauseName), t.lo(s.Of("sched_latency.p99").String())
	ok := make([]bool, len(share))
	for i := range ok {
		// A pause is judged only where the GC's share of the CPU is not
		// known, and the scheduler keeps up: a starved service's pauses
		// include its wait for the stopped goroutines to run.
		ok[i] = share[i] >= gcShare || math.IsNaN(share[i]) && pause[i] >= secs(gcPause) && !(sched[i] >= secs(starvedSched))
	}
	var out []report.Finding
	for _, r := range runsOver(either(share, pause), ok, 2) {
		top, worst := peak(share, r), t.peakOf(pauseName, r)
		f := t.finding(report.GCPressure, severity(top >= severeGCShare), s, r)
		var parts []string
		if !math.IsNaN(top) {
			// The runtime's estimate: a whole percent is all it holds.
			parts = append(parts, fmt.Sprintf("the GC took up to %.0f%% of the CPU the service used", 100*top))
			f.Evidence = append(f.Evidence, evidence(shareName, top))
		}
		if rate := peak(t.col(rateName), r); !math.IsNaN(rate) {
			parts = append(parts, fmt.Sprintf("%s collections a second", metric.FormatNumber(math.Round(rate))))
			f.Evidence = append(f.Evidence, evidence(rateName, rate))
		}
		if worst.Lo >= secs(gcPause) {
			parts = append(parts, fmt.Sprintf("pauses %s (p99)", upTo(pauseName, worst)))
			f.Evidence = append(f.Evidence, t.evidenceOf(pauseName, r))
		}
		f.Summary = fmt.Sprintf("%s: %s, %s", t.name(s), strings.Join(parts, ", "), t.when(f))
		f.Summary += t.loadEffect(r, &f)
		f.Next = t.advice(s, report.GCPressure)
		out = append(out, f)
	}
	return out
}
