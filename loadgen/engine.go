package loadgen

import (
	"context"
	"math"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/strain-dev/strain/loadgen/send"
)

// Engine runs one load test. Make one with New, then Start it once.
type Engine struct {
	cfg       Config
	targets   []*send.Prepared
	grpc      bool // the targets are gRPC calls: a status other than OK is KindGRPCStatus
	transport send.Transport
	newSender func(ctx context.Context) send.Sender // the transport's; benchmarks of the engine alone replace it
	rec       *recorder

	started    time.Time
	next       atomic.Uint64 // round-robin over targets
	seq        atomic.Int64  // requests begun, counted only when a target varies: {{seq}}, by Segment.nth
	varies     bool          // a target's request changes from one request to the next
	issued     atomic.Int64  // requests begun, counted only when Requests bounds the run
	inflight   atomic.Int64
	late       atomic.Int64
	dropped    atomic.Int64  // set once, when the open model ends
	unfinished atomic.Int64  // cut off in flight when the run ended
	level      atomic.Uint64 // math.Float64bits of the level asked for now
	live       *live
	flights    *flights
	exhausted  chan struct{} // closed once Requests have all been begun
	exhaust    sync.Once

	windows chan Window
	result  Result

	// sentHook, when set (benchmarks set it), sees each request's intended
	// and actual start: the pacer's lag.
	sentHook func(intended, sent time.Time)
}

// New checks cfg and prepares its requests.
func New(cfg Config) (*Engine, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	e := &Engine{live: newLive(), flights: newFlights(), cfg: cfg, exhausted: make(chan struct{}), windows: make(chan Window, 16)}
	if e.targets, err = Prepare(cfg.Targets, cfg.Data); err != nil {
		return nil, err
	}
	for _, p := range e.targets {
		e.varies = e.varies || p.Vary != nil
	}
	e.grpc = cfg.GRPC()
	e.transport = cfg.Transport(cfg.options(), e.targets)
	e.newSender = e.transport.Sender
	e.rec = newRecorder(2 * runtime.GOMAXPROCS(0))
	return e, nil
}

// Path says which path the run's requests take: send.PathWire, send.PathH2 or
// send.PathNetHTTP.
func (e *Engine) Path() string { return e.transport.Path() }

// ProbeHTTP2 checks, before the load, that the targets speak the
// transport's protocol, when it can tell (send.Prober): an HTTP/2 client
// meeting a server without HTTP/2 fails the run here, in one line.
func (e *Engine) ProbeHTTP2(ctx context.Context, wait time.Duration) error {
	if p, ok := e.transport.(send.Prober); ok {
		return p.Probe(ctx, wait)
	}
	return nil
}

// Config is the run's configuration with its defaults filled in.
func (e *Engine) Config() Config { return e.cfg }

// Start begins the run and hands out one Window per interval on the
// returned channel, the last one partial; it closes the channel when the
// run is over, after which Result is ready. The run ends when its duration
// or request count is reached or ctx is cancelled (an interrupt). The
// caller must drain the channel.
func (e *Engine) Start(ctx context.Context) <-chan Window {
	e.started = time.Now()
	go e.run(ctx)
	return e.windows
}

// Result is the whole run's outcome; valid once Start's channel is closed.
func (e *Engine) Result() Result { return e.result }

func (e *Engine) run(ctx context.Context) {
	defer close(e.windows)
	defer e.transport.Close()
	runCtx, cancel := context.WithCancel(ctx)
	if e.cfg.Duration > 0 {
		runCtx, cancel = context.WithDeadline(ctx, e.started.Add(e.cfg.Duration))
	}
	defer cancel()
	loadDone := make(chan struct{})
	go func() {
		defer close(loadDone)
		if e.cfg.Open() {
			e.runOpen(runCtx)
		} else {
			e.runClosed(runCtx)
		}
	}()
	e.finish(ctx, e.collectWindows(loadDone))
}

// collectWindows hands out a window per interval until the load is done,
// and returns the whole run's total.
func (e *Engine) collectWindows(loadDone <-chan struct{}) Window {
	total := Window{Counts: newCounts()}
	ticker := time.NewTicker(e.cfg.Interval)
	defer ticker.Stop()
	var from time.Duration
	for done := false; !done; {
		select {
		case <-ticker.C:
		case <-loadDone:
			done = true
		}
		w := Window{Counts: e.rec.collect(), Start: from, End: time.Since(e.started)}
		w.Inflight = e.inflight.Load()
		w.OldestInflight = e.flights.oldest(w.End)
		w.Level = e.Level()
		w.Late = e.late.Load() - total.Late
		w.Dropped = e.dropped.Load() - total.Dropped
		total.Add(&w.Counts)
		total.Late += w.Late
		total.Dropped += w.Dropped
		from = w.End
		// A sliver left when the load ended at a tick says nothing; it
		// counted nothing, so the total still equals the windows' sum.
		if w.Requests > 0 || w.Dropped > 0 || w.Late > 0 || w.End-w.Start >= e.cfg.Interval/2 {
			e.windows <- w
		}
	}
	total.End = from
	return total
}

func (e *Engine) finish(ctx context.Context, total Window) {
	e.result = Result{
		Window:      total,
		Started:     e.started,
		Interrupted: ctx.Err() != nil,
		Open:        e.cfg.Open(),
		Concurrency: e.cfg.Concurrency,
		Rate:        e.cfg.Rate,
		Stages:      e.cfg.Stages,
		Unfinished:  e.unfinished.Load(),
	}
}

// ended reports whether the run was over when a request failed at done.
// The clock decides as well as ctx: a dial takes the run's deadline from
// ctx as its own, and can give up at it just before ctx's timer says so.
func (e *Engine) ended(ctx context.Context, done time.Time) bool {
	return ctx.Err() != nil || (e.cfg.Duration > 0 && !done.Before(e.started.Add(e.cfg.Duration)))
}

// Level is the concurrency (closed model) or rate (open model) asked for now.
func (e *Engine) Level() float64 { return math.Float64frombits(e.level.Load()) }

func (e *Engine) setLevel(v float64) { e.level.Store(math.Float64bits(v)) }

// claim begins one request, or reports that Requests have all been begun.
func (e *Engine) claim() bool {
	if e.cfg.Requests == 0 {
		return true // unbounded: no count to share between workers
	}
	if e.issued.Add(1) > e.cfg.Requests {
		e.exhaust.Do(func() { close(e.exhausted) })
		return false
	}
	return true
}

// do sends one request on worker id's sender s, with fl its slot in
// flights, intended to start at intended, and records it. The closed model
// intends every request for the moment it is sent. It reports whether the
// run goes on: false once a request was cut off by the run's end.
func (e *Engine) do(ctx context.Context, s send.Sender, o *send.Outgoing, fl *flight, id int, intended time.Time) bool {
	t := e.targets[0]
	if len(e.targets) > 1 {
		t = e.targets[e.next.Add(1)%uint64(len(e.targets))]
	}
	var seq uint64
	if e.varies {
		seq = e.cfg.FirstSeq + uint64(e.cfg.Segment.nth(e.seq.Add(1)-1))
	}
	o.Set(t, seq)
	e.inflight.Add(1)
	sent := intended
	if e.cfg.Open() {
		sent = time.Now()
		if sent.Sub(intended) > LateAfter {
			e.late.Add(1)
		}
		if e.sentHook != nil {
			e.sentHook(intended, sent)
		}
	}
	deadline := sent.Add(e.cfg.Timeout)
	fl.begin(sent.Sub(e.started))
	var resp send.Response
	err := o.Err // a gRPC message that did not encode is not sent
	if err == nil {
		resp, err = s.Send(o, deadline)
	}
	fl.end()
	done := time.Now()
	if err == nil && done.After(deadline) {
		// The response came, but after the timeout: a timeout, whether or
		// not the path gave up in time (the wire path may wait a little
		// longer: package http1's wireConn.arm).
		err = context.DeadlineExceeded
	}
	e.inflight.Add(-1)
	if err != nil && e.ended(ctx, done) {
		// The run ended, not the request: it is neither a success nor a failure.
		e.unfinished.Add(1)
		return false
	}
	r := result{intended: intended, sent: sent, done: done, status: resp.Status, bytesIn: resp.Bytes, bytesOut: int64(len(o.Body)), messages: resp.Messages}
	switch {
	case err != nil:
		r.kind, r.status = Classify(err), 0
	case !e.cfg.OKStatus.OK(resp.Status) && e.grpc:
		r.kind = KindGRPCStatus
	case !e.cfg.OKStatus.OK(resp.Status):
		r.kind = StatusKind(resp.Status)
	}
	e.rec.record(id, &r)
	fl.pace(ctx, r.kind == KindFDLimit)
	return true
}
