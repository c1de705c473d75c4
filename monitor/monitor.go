// Package monitor samples the runtime of the targets strain loads, and of
// strain itself, on the load's timeline: goroutines, scheduler latency,
// CPU, memory, GC, from whichever sources a target offers (strain's runtime
// endpoint, a pid, a Prometheus endpoint, pprof).
//
// Each source runs its own sampling loop, with its own timeout and backoff;
// one failing source never stops the others and is reported as a warning.
// Readers take a Snapshot when they like (the load's window ticks, or their
// own): the latest fresh value of every metric, the most precise source
// winning where two give the same one.
package monitor

import (
	"context"
	"fmt"
	"io"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/google/pprof/profile"

	"github.com/strain-dev/strain/internal/safe"
	"github.com/strain-dev/strain/metric"
)

// Defaults for a zero Monitor setting.
const (
	DefaultInterval = time.Second
	MinInterval     = 100 * time.Millisecond
	// minSampleTimeout is the shortest time a sample is given: at short
	// intervals a scrape of a busy service is late data, not a failure.
	minSampleTimeout = time.Second
	// maxBackoff bounds how long a failing source waits between tries.
	maxBackoff = 30 * time.Second
	// staleAfter intervals without a fresh sample, a source's values are
	// dropped from snapshots, so that "no data" is never a stale number.
	staleAfter = 3
)

// Bounds on what a source may hand the run, whatever its target sends.
const (
	// maxSourceMetrics is the most metrics one sample of one source keeps:
	// the first by name. strain's sources give a few dozen (a Prometheus
	// source: a dozen and two per series asked for); every one kept is
	// stored each interval for the whole run, in the report's series.
	maxSourceMetrics = 256
	// maxNameLen bounds a metric's name; strain's own are under 40 bytes.
	maxNameLen = 128
	// maxWarningLen bounds what a source's error or warning adds to a
	// warning line, in runes: enough for a URL and a cause, never a page.
	maxWarningLen = 300
	// maxStatusLen bounds a status line quoted in an error: "503 Service
	// Unavailable" is 23 bytes; a reason phrase is the target's to choose.
	maxStatusLen = 64
)

// Metrics are one sample's values by metric name, without the target's
// prefix: "goroutines", "sched_latency.p99", "cpu", "rss"…
type Metrics map[string]float64

// Source reads one source of a target's metrics. Sample is called from one
// goroutine at a time, once per interval, so a source may keep state
// between calls for deltas and rates; the first call may return fewer
// metrics for that reason.
type Source interface {
	Name() string
	Sample(ctx context.Context) (Metrics, error)
}

// Warner is a Source with something to say about its last sample that is
// not a failure: a bound it applied to what its target sent. The monitor
// asks after each successful Sample, from the same goroutine, and shows
// each note as a warning while the source keeps saying it. A note should
// read the same from one sample to the next, so that it is said once.
type Warner interface {
	Warnings() []string
}

// Bounder is a Source some of whose values are read from histogram
// buckets: it gives their bounds for its last sample, by metric name. The
// monitor asks after each successful Sample, from the same goroutine.
type Bounder interface {
	Bounds() map[string]metric.Bounds
}

// Secondary is a Source some of whose metrics are a stand-in where no
// other source of its target gives them: an execution-trace window's CPU
// (its goroutines' running time, without syscalls) yields to the OS's or
// Prometheus' reading, though its scheduler latency wins over theirs.
type Secondary interface {
	Secondary() []string
}

// coarse is how wide (its upper edge over its lower) a value's bounds may
// be before a warning says it is shown as a range: Go's own collector's
// scheduler buckets are ten times apart.
const coarse = 2

// Evidencer is a Source that keeps evidence beside its metrics: profiles
// of what its target's goroutines waited on, by stack. The monitor asks
// after each successful Sample, from the same goroutine, and hands the
// profiles to the next Snapshot.
type Evidencer interface {
	// Evidence returns the profiles gathered since the last call.
	Evidence() []*profile.Profile
}

// maxEvidence bounds the profiles a source's state holds until a Snapshot
// takes them: the latest are kept.
const maxEvidence = 4

// latest is the last n of s, moved to its front: what a bounded queue of
// evidence keeps.
func latest[T any](s []T, n int) []T {
	if len(s) <= n {
		return s
	}
	return append(s[:0], s[len(s)-n:]...)
}

// SourceFunc adapts a function to Source.
type SourceFunc struct {
	ID string
	Fn func(ctx context.Context) (Metrics, error)
}

var _ Source = SourceFunc{}

// Name is the source's name.
func (f SourceFunc) Name() string { return f.ID }

// Sample calls Fn.
func (f SourceFunc) Sample(ctx context.Context) (Metrics, error) { return f.Fn(ctx) }

// Target is one watched process: a name, and its sources from the most
// precise to the least.
type Target struct {
	Name    string
	Sources []Source
}

// Monitor owns one sampling loop per source. Open starts them, Close stops
// them and waits.
type Monitor struct {
	interval time.Duration
	targets  []Target

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu    sync.Mutex       // guards states, written by the loops and read by Snapshot
	state [][]*sourceState // by target, then source
}

type sourceState struct {
	src     Source
	target  string
	metrics Metrics
	at      time.Time // when metrics were read
	took    time.Duration
	err     string // the last failure, fit to print
	errAt   time.Time
	fails   int
	notes   []string // what the last good sample left out, fit to print
	bounds  map[string]metric.Bounds
	runtime string // what the source says the target runs, if it can
	// evidence waits for the next Snapshot, at most maxEvidence of it.
	evidence []*profile.Profile
}

// New returns a monitor of targets sampling every interval (zero:
// DefaultInterval; below MinInterval: MinInterval).
func New(interval time.Duration, targets ...Target) *Monitor {
	if interval == 0 {
		interval = DefaultInterval
	}
	m := &Monitor{interval: max(interval, MinInterval), targets: targets, state: make([][]*sourceState, len(targets))}
	for i, t := range targets {
		for _, s := range t.Sources {
			m.state[i] = append(m.state[i], &sourceState{src: s, target: t.Name})
		}
	}
	return m
}

// Interval is how often each source is sampled.
func (m *Monitor) Interval() time.Duration { return m.interval }

// Open starts sampling.
func (m *Monitor) Open(ctx context.Context) {
	m.ctx, m.cancel = context.WithCancel(ctx)
	for _, states := range m.state {
		for _, st := range states {
			m.wg.Add(1)
			go m.loop(st)
		}
	}
}

// Close stops sampling and waits for the loops to end. It may be called
// more than once.
func (m *Monitor) Close() {
	if m.cancel != nil {
		m.cancel()
	}
	m.wg.Wait()
}

func (m *Monitor) loop(st *sourceState) {
	defer m.wg.Done()
	// The monitor owns its sources' lifetimes: one that runs work of its
	// own past a Sample stops it here, from the goroutine that samples it.
	if c, ok := st.src.(io.Closer); ok {
		defer c.Close()
	}
	wait := time.Duration(0)
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-m.ctx.Done():
			return
		case <-timer.C:
		}
		failed := m.sample(st)
		wait = m.interval
		if failed > 0 {
			wait = min(m.interval<<min(failed-1, 8), maxBackoff)
		}
		timer.Reset(wait)
	}
}

// sample reads a source once, within sampleTimeout, and returns how many
// times in a row it has failed.
func (m *Monitor) sample(st *sourceState) int {
	ctx, cancel := context.WithTimeout(m.ctx, max(m.interval, minSampleTimeout))
	defer cancel()
	start := time.Now()
	metrics, err := st.src.Sample(ctx)
	took := time.Since(start)
	if m.ctx.Err() != nil {
		return 0
	}
	var evidence []*profile.Profile
	if e, ok := st.src.(Evidencer); ok && err == nil {
		evidence = e.Evidence()
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	st.took = took
	if err != nil {
		st.err, st.errAt = safe.Line(err.Error(), maxWarningLen), time.Now()
		st.fails++
		return st.fails
	}
	metrics, notes := admit(metrics)
	if w, ok := st.src.(Warner); ok {
		notes = append(notes, w.Warnings()...)
	}
	for i, n := range notes {
		notes[i] = safe.Line(n, maxWarningLen)
	}
	st.metrics, st.at, st.fails, st.notes, st.bounds = metrics, time.Now(), 0, notes, nil
	if b, ok := st.src.(Bounder); ok {
		st.bounds = admitBounds(metrics, b.Bounds())
	}
	if r, ok := st.src.(Runtimer); ok {
		st.runtime = safe.Line(r.Runtime(), maxRuntimeLen)
	}
	st.evidence = latest(append(st.evidence, evidence...), maxEvidence)
	return 0
}

// Runtimer is a Source that can say what runtime its target runs: "go",
// "python", "node".
type Runtimer interface {
	Runtime() string
}

// maxRuntimeLen bounds a runtime's name, which a target may send.
const maxRuntimeLen = 32

// Snapshot is every target's latest fresh metrics at one moment.
type Snapshot struct {
	Time     time.Time
	Targets  map[string]Metrics // by target name
	Runtimes map[string]string  // by target name: "go", "python", "node", where a source says
	// Bounds are the values read from buckets, by target name and metric:
	// where the source that gave a value knows it only within a range.
	Bounds   map[string]map[string]metric.Bounds
	Warnings []string // sources failing or stale now
	// Evidence are the profiles sources gathered since the last
	// Snapshot, by target name: taking a Snapshot takes them.
	Evidence map[string][]*profile.Profile
}

// Snapshot merges the latest fresh value of every metric of every target,
// the first source of a target (the most precise) winning.
func (m *Monitor) Snapshot() Snapshot {
	now := time.Now()
	snap := Snapshot{Time: now, Targets: map[string]Metrics{}, Runtimes: map[string]string{},
		Bounds: map[string]map[string]metric.Bounds{}, Evidence: map[string][]*profile.Profile{}}
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, t := range m.targets {
		merged, fallback := Metrics{}, Metrics{}
		for _, st := range m.state[i] {
			snap.Warnings = append(snap.Warnings, st.warnings(now, m.interval)...)
			if len(st.evidence) > 0 {
				snap.Evidence[t.Name] = append(snap.Evidence[t.Name], st.evidence...)
				st.evidence = nil
			}
			if now.Sub(st.at) > staleAfter*m.interval {
				continue
			}
			var secondary []string
			if sec, ok := st.src.(Secondary); ok {
				secondary = sec.Secondary()
			}
			for k, v := range st.metrics {
				if _, ok := merged[k]; ok {
					continue
				}
				if slices.Contains(secondary, k) {
					if _, ok := fallback[k]; !ok {
						fallback[k] = v
					}
					continue
				}
				merged[k] = v
				if b, ok := st.bounds[k]; ok {
					snap.bound(t.Name, k, b)
					if b.Width() > coarse {
						snap.Warnings = append(snap.Warnings, st.coarse(k))
					}
				}
			}
			if _, ok := snap.Runtimes[t.Name]; !ok && st.runtime != "" {
				snap.Runtimes[t.Name] = st.runtime
			}
		}
		for k, v := range fallback {
			if _, ok := merged[k]; !ok {
				merged[k] = v
			}
		}
		snap.Targets[t.Name] = merged
	}
	sort.Strings(snap.Warnings)
	return snap
}

// bound records metric k of target as bounded by b.
func (s *Snapshot) bound(target, k string, b metric.Bounds) {
	if s.Bounds[target] == nil {
		s.Bounds[target] = map[string]metric.Bounds{}
	}
	s.Bounds[target][k] = b
}

// coarse says, once a run whatever its bucket, that metric k is read from
// coarse buckets: said only where no more precise source gave k.
func (st *sourceState) coarse(k string) string {
	return fmt.Sprintf("watch %s: %s: %s comes from coarse histogram buckets: it is shown as the range it lies in", st.target, st.src.Name(), k)
}

// warnings say what is wrong with a source now, if anything: that it
// fails or is stale, and what its last good sample left out.
func (st *sourceState) warnings(now time.Time, interval time.Duration) []string {
	var out []string
	switch {
	case st.fails > 0:
		out = append(out, st.err)
	case !st.at.IsZero() && now.Sub(st.at) > staleAfter*interval:
		out = append(out, fmt.Sprintf("no sample for %v", now.Sub(st.at).Round(time.Millisecond)))
	}
	out = append(out, st.notes...)
	for i, w := range out {
		out[i] = fmt.Sprintf("watch %s: %s: %s", st.target, st.src.Name(), w)
	}
	return out
}
