package monitor

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/google/pprof/profile"
	"golang.org/x/exp/trace"

	"github.com/strain-dev/strain/internal/safe"
)

// traceLimits bound what reading one trace window may cost strain,
// whatever the target sends.
type traceLimits struct {
	body   int64 // bytes of trace; a longer one is an error
	events int   // events processed; past it the window ends early
	stacks int   // distinct (stack, reason) pairs kept as evidence; the rest are summed in one
	gs     int   // goroutines followed at once; others are left out
	procs  int   // Ps counted
}

// defaultTraceLimits fit a busy service's 1 s window with room to spare.
// Measured on strain's demo target (2 cores, Go 1.26): at 3k req/s a
// second of trace is 0.4 MB and 79k events, read in ~35 ms; at 30k req/s
// 2.8 MB and 600k events, read in ~300 ms with 115 MB allocated: about
// 0.5 µs and 200 bytes an event. The events bound caps the CPU a window
// costs at about a second; the reader holds a whole generation of the
// trace in memory before it gives its events, so only the body bound caps
// the memory.
var defaultTraceLimits = traceLimits{body: 64 << 20, events: 2_000_000, stacks: 256, gs: 1 << 18, procs: 4096}

// Bounds on what one evidence stack keeps of the trace's strings.
const (
	traceMaxFrames    = 64
	traceMaxStringLen = 512
	traceMaxReasonLen = 64
	// traceMaxPauses bounds the GC pauses kept for quantiles: a window
	// has a handful; a thousand is a service doing nothing but GC.
	traceMaxPauses = 4096
	// traceMaxLatency clamps a scheduler latency for the histogram.
	traceMaxLatency = time.Minute
	// traceOther names the sample that sums the stacks past the limit.
	traceOther = "(other)"
)

// errTraceTooLarge is a trace body past its limit.
var errTraceTooLarge = errors.New("trace body exceeds its limit")

// errTraceBody is a trace body that could not be read to its end: the
// network's fault or the caller's, not the trace's.
var errTraceBody = errors.New("read trace body")

// blockKind groups the reasons a goroutine blocks.
type blockKind uint8

const (
	blockOther blockKind = iota
	blockSync
	blockChan
	blockSelect
	blockNet
	blockSyscall
	blockSleep
	numBlockKinds
)

// blockMetrics names the kinds reported as blocked.KIND. Sleeping and the
// runtime's own waits ("forever", GC workers idling…) say nothing about
// pressure and would drown the rest.
var blockMetrics = map[blockKind]string{
	blockSync: "blocked.sync", blockChan: "blocked.chan", blockSelect: "blocked.select",
	blockNet: "blocked.net", blockSyscall: "blocked.syscall",
}

// blockKindOf groups a block reason as the runtime names it
// (runtime.traceBlockReasonStrings).
func blockKindOf(reason string) blockKind {
	switch {
	case reason == "sync" || reason == "sync.(*Cond).Wait":
		return blockSync
	case strings.HasPrefix(reason, "chan "):
		return blockChan
	case reason == "select":
		return blockSelect
	case reason == "network":
		return blockNet
	case reason == "sleep":
		return blockSleep
	}
	return blockOther
}

// traceWindow is what one execution-trace window says about its target.
type traceWindow struct {
	dur   time.Duration // from the first event to the last
	wall  time.Time     // the window's start on the wall clock; zero before Go 1.25's clock snapshots
	sched *hdr.Histogram
	// blocked is the time goroutines spent blocked, by kind, of blocks
	// that began in the window, up to its end.
	blocked [numBlockKinds]time.Duration
	// mutexWait is the part of blocked[blockSync] spent in sync.Mutex and
	// sync.RWMutex. WaitGroup.Wait and Cond.Wait park with the same reason
	// but are left out: a goroutine waiting for its fan-out to finish, or
	// for a condition to be signalled, waits for work as a channel receive
	// does, not for a lock's holder; counting them would make every
	// worker pool look contended. runtime/metrics'
	// /sync/mutex/wait/total:seconds, the runtime endpoint's mutex_wait,
	// draws the same line.
	mutexWait  time.Duration
	heap       uint64          // the live heap's bytes, as the runtime last said in the window; 0 if it did not
	pauses     []time.Duration // GC stop-the-world pauses
	run, gcRun time.Duration   // goroutines' running time, and the GC's part of it
	procs      int
	evidence   *profile.Profile
	notes      []string
}

// metrics are the window's values under the monitor's names. mutex_wait
// and blocked.KIND are seconds blocked per second of window (the mean
// number of goroutines blocked), of blocks that began in the window: the
// trace does not say why, nor since when, a goroutine was blocked when it
// began. gc_cpu is the share of goroutines' running time that was GC mark
// work (mark workers and assists); the stop-the-world pauses are in
// gc_pause instead.
func (w *traceWindow) metrics() Metrics {
	m := Metrics{}
	if w.procs > 0 {
		m["gomaxprocs"] = float64(w.procs)
	}
	if w.heap > 0 {
		m["heap"] = float64(w.heap)
	}
	if w.sched.TotalCount() > 0 {
		m["sched_latency.p50"] = nanos(w.sched.ValueAtQuantile(50))
		m["sched_latency.p99"] = nanos(w.sched.ValueAtQuantile(99))
		m["sched_latency.max"] = nanos(w.sched.Max())
	}
	if len(w.pauses) > 0 {
		slices.Sort(w.pauses)
		m["gc_pause.p99"] = w.pauses[(len(w.pauses)*99-1)/100].Seconds()
		m["gc_pause.max"] = w.pauses[len(w.pauses)-1].Seconds()
	}
	if w.run > 0 {
		m["gc_cpu"] = min(float64(w.gcRun)/float64(w.run), 1)
	}
	if secs := w.dur.Seconds(); secs > 0 {
		// The time goroutines ran, the GC's workers among them: the CPU
		// the program's Go code used (a cgo call's or a syscall's time
		// left out), in percent of one core, as a pid reads it.
		m["cpu"] = 100 * w.run.Seconds() / secs
		m["mutex_wait"] = w.mutexWait.Seconds() / secs
		for k, name := range blockMetrics {
			m[name] = w.blocked[k].Seconds() / secs
		}
	}
	return m
}

func nanos(ns int64) float64 { return float64(ns) / 1e9 }

// goState is what the reader follows of one goroutine.
type goState struct {
	state trace.GoState
	since trace.Time // when it entered state
	known bool       // since is when it entered state, not when the trace first saw it
	// block is the evidence entry of the block in progress, if known.
	block  int32
	kind   blockKind
	mutex  bool
	runAt  trace.Time // the start of the running segment not yet counted
	worker bool       // running as a GC mark worker
	assist bool       // in a GC mark assist
}

// stackInfo is what the reader keeps of a stack, once per stack handle.
type stackInfo struct {
	key    string
	frames []trace.StackFrame
	mutex  bool // blocked in sync.Mutex or sync.RWMutex
}

// blockEntry is one evidence sample: a blocking stack and reason.
type blockEntry struct {
	frames []trace.StackFrame
	reason string
	count  int64
	delay  time.Duration
}

// traceReader folds one window's events.
type traceReader struct {
	lim     traceLimits
	w       traceWindow
	first   trace.Time
	last    trace.Time
	started bool
	gs      map[trace.GoID]*goState
	procs   map[trace.ProcID]trace.ProcState
	stw     map[trace.GoID]trace.Time // stop-the-world begins, by goroutine
	stacks  map[trace.Stack]*stackInfo
	entries []blockEntry
	byKey   map[string]int32
	gsFull  bool
}

// readTrace reads one execution-trace window, Go 1.22's format or later,
// within lim. A stream the parser rejects (another format, cut short,
// garbage) is an error.
func readTrace(r io.Reader, lim traceLimits) (w traceWindow, err error) {
	body := &countReader{r: io.LimitReader(r, lim.body+1)}
	tr := &traceReader{
		lim: lim, gs: map[trace.GoID]*goState{}, procs: map[trace.ProcID]trace.ProcState{},
		stw: map[trace.GoID]trace.Time{}, stacks: map[trace.Stack]*stackInfo{}, byKey: map[string]int32{},
	}
	tr.w.sched = hdr.New(1, int64(traceMaxLatency), 3)
	// x/exp/trace is experimental and asserts its invariants with panics
	// (a string table's mustGet, a resource's kind): what a target sends
	// must not take strain down with it.
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("read trace: parser failed: %v", p)
		}
	}()
	err = tr.read(body)
	if body.n > lim.body {
		return traceWindow{}, fmt.Errorf("%w (%d MiB)", errTraceTooLarge, lim.body>>20)
	}
	if body.err != nil && body.err != io.EOF {
		return traceWindow{}, fmt.Errorf("%w: %w", errTraceBody, body.err)
	}
	if err != nil {
		return traceWindow{}, fmt.Errorf("read trace: %w", err)
	}
	tr.finish()
	if tr.w.dur <= 0 {
		// The reader makes a Sync event of a bare header.
		return traceWindow{}, errors.New("read trace: no events")
	}
	return tr.w, nil
}

// read folds events until the stream ends or the event limit is reached.
func (tr *traceReader) read(body io.Reader) error {
	rd, err := trace.NewReader(body)
	if err != nil {
		return err
	}
	for n := 0; ; n++ {
		if n == tr.lim.events {
			tr.w.notes = append(tr.w.notes, fmt.Sprintf("a trace window had more than %d events: read its start", tr.lim.events))
			return nil
		}
		ev, err := rd.ReadEvent()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		tr.event(ev)
	}
}

func (tr *traceReader) event(ev trace.Event) {
	t := ev.Time()
	if !tr.started {
		tr.first, tr.started = t, true
	}
	tr.last = max(tr.last, t)
	switch ev.Kind() {
	case trace.EventSync:
		// Stack handles belong to one generation's tables.
		clear(tr.stacks)
		if c := ev.Sync().ClockSnapshot; c != nil && tr.w.wall.IsZero() {
			tr.w.wall = c.Wall.Add(-c.Trace.Sub(tr.first))
		}
	case trace.EventStateTransition:
		st := ev.StateTransition()
		switch st.Resource.Kind {
		case trace.ResourceGoroutine:
			from, to := st.Goroutine()
			tr.goroutine(st.Resource.Goroutine(), from, to, t, st)
		case trace.ResourceProc:
			_, to := st.Proc()
			if _, ok := tr.procs[st.Resource.Proc()]; ok || len(tr.procs) < tr.lim.procs {
				tr.procs[st.Resource.Proc()] = to
			}
		}
	case trace.EventRangeBegin, trace.EventRangeActive, trace.EventRangeEnd:
		tr.rangeEvent(ev, t)
	case trace.EventMetric:
		// The runtime says its heap's size at each change of the GC.
		if m := ev.Metric(); m.Name == "/memory/classes/heap/objects:bytes" && m.Value.Kind() == trace.ValueUint64 {
			tr.w.heap = m.Value.Uint64()
		}
	case trace.EventLabel:
		// The runtime labels a GC mark worker each time it starts running.
		// An idle one runs only on a P nothing else wanted: the GC's
		// pressure is the dedicated and fractional workers' and the
		// assists', what it takes from the program.
		if l := ev.Label(); strings.HasPrefix(l.Label, "GC (") && l.Label != "GC (idle)" && l.Resource.Kind == trace.ResourceGoroutine {
			if g := tr.gs[l.Resource.Goroutine()]; g != nil && g.state == trace.GoRunning {
				tr.flushRun(g, t)
				g.worker = true
			}
		}
	}
}

// goroutine follows one goroutine state transition at t.
func (tr *traceReader) goroutine(id trace.GoID, from, to trace.GoState, t trace.Time, st trace.StateTransition) {
	g := tr.gs[id]
	if g == nil {
		if to == trace.GoNotExist {
			return
		}
		if len(tr.gs) >= tr.lim.gs {
			if !tr.gsFull {
				tr.gsFull = true
				tr.w.notes = append(tr.w.notes, fmt.Sprintf("a trace window had more than %d goroutines: followed the first", tr.lim.gs))
			}
			return
		}
		// First seen mid-state: when it entered from is unknown.
		g = &goState{state: from, since: t, runAt: t, block: -1}
		tr.gs[id] = g
	}
	if g.state == trace.GoRunning {
		tr.flushRun(g, t)
		g.worker = false
	}
	if g.block >= 0 {
		tr.endBlock(g, t)
	}
	// From Undetermined, the goroutine was in to when the window began:
	// since when, and why, the trace does not say.
	known := from != trace.GoUndetermined
	switch to {
	case trace.GoRunning:
		if from == trace.GoRunnable && known && g.known {
			tr.w.sched.RecordValue(min(int64(t.Sub(g.since)), int64(traceMaxLatency)))
		}
		g.runAt = t
	case trace.GoWaiting, trace.GoSyscall:
		if known {
			tr.startBlock(g, to, st)
		}
	case trace.GoNotExist:
		delete(tr.gs, id)
		return
	}
	g.state, g.since, g.known = to, t, known
}

// flushRun counts a running goroutine's time up to t.
func (tr *traceReader) flushRun(g *goState, t trace.Time) {
	d := t.Sub(g.runAt)
	if d > 0 {
		tr.w.run += d
		if g.worker || g.assist {
			tr.w.gcRun += d
		}
	}
	g.runAt = t
}

// startBlock opens g's block, entering state to, with its evidence entry.
func (tr *traceReader) startBlock(g *goState, to trace.GoState, st trace.StateTransition) {
	reason, kind := "syscall", blockSyscall
	if to == trace.GoWaiting {
		reason = safe.Line(st.Reason, traceMaxReasonLen)
		kind = blockKindOf(st.Reason)
	}
	info := tr.stack(st.Stack)
	g.kind, g.mutex = kind, kind == blockSync && info.mutex
	g.block = tr.entry(info, reason)
}

// endBlock closes g's block at t.
func (tr *traceReader) endBlock(g *goState, t trace.Time) {
	d := max(t.Sub(g.since), 0)
	tr.w.blocked[g.kind] += d
	if g.mutex {
		tr.w.mutexWait += d
	}
	e := &tr.entries[g.block]
	e.count++
	e.delay += d
	g.block = -1
}

// entry is the index of the evidence entry of stack and reason, the
// shared "(other)" one, the last the limit allows, past it.
func (tr *traceReader) entry(info *stackInfo, reason string) int32 {
	key := info.key + "\x00" + reason
	if i, ok := tr.byKey[key]; ok {
		return i
	}
	if len(tr.entries) >= tr.lim.stacks-1 {
		key = traceOther
		if i, ok := tr.byKey[key]; ok {
			return i
		}
		info, reason = &stackInfo{frames: []trace.StackFrame{{Func: traceOther}}}, traceOther
	}
	tr.entries = append(tr.entries, blockEntry{frames: info.frames, reason: reason})
	i := int32(len(tr.entries) - 1)
	tr.byKey[key] = i
	return i
}

// stack reads s's frames once per generation, bounded.
func (tr *traceReader) stack(s trace.Stack) *stackInfo {
	if info, ok := tr.stacks[s]; ok {
		return info
	}
	info := &stackInfo{}
	var key strings.Builder
	for f := range s.Frames() {
		if len(info.frames) == traceMaxFrames {
			break
		}
		f.Func = safe.Line(f.Func, traceMaxStringLen)
		f.File = safe.Line(f.File, traceMaxStringLen)
		info.frames = append(info.frames, f)
		fmt.Fprintf(&key, "%s\x00%s\x00%d\x00", f.Func, f.File, f.Line)
		// sync.Mutex and sync.RWMutex park in semacquire from their slow
		// paths, a few frames down.
		if len(info.frames) <= 4 && strings.Contains(f.Func, "Mutex)") {
			info.mutex = true
		}
	}
	info.key = key.String()
	if len(tr.stacks) < 4*tr.lim.stacks {
		tr.stacks[s] = info
	}
	return info
}

// rangeEvent follows stop-the-world pauses and GC mark assists.
func (tr *traceReader) rangeEvent(ev trace.Event, t trace.Time) {
	r := ev.Range()
	if r.Scope.Kind != trace.ResourceGoroutine {
		return
	}
	id := r.Scope.Goroutine()
	switch {
	case r.Name == "GC mark assist":
		if g := tr.gs[id]; g != nil {
			if g.state == trace.GoRunning {
				tr.flushRun(g, t)
			}
			g.assist = ev.Kind() != trace.EventRangeEnd
		}
	case strings.HasPrefix(r.Name, "stop-the-world (GC "):
		// Only the GC's: the tracer stops the world itself to start and end
		// a window, and those pauses are strain's.
		switch ev.Kind() {
		case trace.EventRangeBegin:
			if len(tr.stw) < tr.lim.procs {
				tr.stw[id] = t
			}
		case trace.EventRangeEnd:
			if begin, ok := tr.stw[id]; ok && len(tr.w.pauses) < traceMaxPauses {
				tr.w.pauses = append(tr.w.pauses, t.Sub(begin))
			}
			delete(tr.stw, id)
		}
	}
}

// finish closes what is open at the window's end and builds the evidence.
func (tr *traceReader) finish() {
	for _, g := range tr.gs {
		if g.state == trace.GoRunning {
			tr.flushRun(g, tr.last)
		}
		if g.block >= 0 {
			tr.endBlock(g, tr.last)
		}
	}
	for _, s := range tr.procs {
		if s != trace.ProcNotExist {
			tr.w.procs++
		}
	}
	tr.w.dur = tr.last.Sub(tr.first)
	tr.w.evidence = blockProfile(tr.entries, tr.w.wall, tr.w.dur)
}

// blockProfile is the evidence of a window: blocked time by stack and
// reason, as pprof's contention profiles give it.
func blockProfile(entries []blockEntry, start time.Time, dur time.Duration) *profile.Profile {
	p := &profile.Profile{
		SampleType:    []*profile.ValueType{{Type: "contentions", Unit: "count"}, {Type: "delay", Unit: "nanoseconds"}},
		PeriodType:    &profile.ValueType{Type: "contentions", Unit: "count"},
		Period:        1,
		DurationNanos: int64(dur),
	}
	if !start.IsZero() {
		p.TimeNanos = start.UnixNano()
	}
	funcs := map[[2]string]*profile.Function{}
	locs := map[trace.StackFrame]*profile.Location{}
	for _, e := range entries {
		if e.count == 0 {
			continue
		}
		s := &profile.Sample{Value: []int64{e.count, int64(e.delay)}, Label: map[string][]string{"reason": {e.reason}}}
		for _, f := range e.frames {
			s.Location = append(s.Location, location(p, funcs, locs, f))
		}
		p.Sample = append(p.Sample, s)
	}
	return p
}

// location is f's Location in p, added once.
func location(p *profile.Profile, funcs map[[2]string]*profile.Function, locs map[trace.StackFrame]*profile.Location, f trace.StackFrame) *profile.Location {
	if l, ok := locs[f]; ok {
		return l
	}
	fn, ok := funcs[[2]string{f.Func, f.File}]
	if !ok {
		fn = &profile.Function{ID: uint64(len(p.Function) + 1), Name: f.Func, SystemName: f.Func, Filename: f.File}
		funcs[[2]string{f.Func, f.File}] = fn
		p.Function = append(p.Function, fn)
	}
	l := &profile.Location{ID: uint64(len(p.Location) + 1), Address: f.PC, Line: []profile.Line{{Function: fn, Line: int64(f.Line)}}}
	locs[f] = l
	p.Location = append(p.Location, l)
	return l
}

// countReader counts the bytes read through it and keeps the last error.
type countReader struct {
	r   io.Reader
	n   int64
	err error
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if err != nil {
		c.err = err
	}
	return n, err
}
