package monitor

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/pprof/profile"
)

// Defaults for a zero TraceConfig.
const (
	// DefaultTraceWindow is how long one execution-trace window lasts:
	// long enough to hold thousands of scheduling decisions and a GC or
	// two of a busy service, short enough to parse in a few tens of
	// milliseconds.
	DefaultTraceWindow = time.Second
	// DefaultTraceEvery is how often a window starts. At one 1 s window
	// every 5 s the target runs traced a fifth of the time, and strain
	// reads 0.2 s of trace a second. Reading a window costs strain ~30 ms
	// of CPU at 3k req/s and 0.2–0.4 s at 40k (0.6% and 4–7% of a core at
	// this duty cycle); the target kept a median 97% of its throughput
	// (scripts/trace-cost.sh, 10 pinned rounds; BENCHMARKS.md §15).
	DefaultTraceEvery = 5 * time.Second
)

// traceGrace is how long past its window a trace fetch may take: the
// target flushes the trace after the window, and a busy one is slow to.
const traceGrace = 10 * time.Second

// TraceConfig says how a target's execution is traced.
type TraceConfig struct {
	// Window is how long each trace lasts (zero: DefaultTraceWindow).
	Window time.Duration
	// Every is how often a window starts (zero: DefaultTraceEvery;
	// negative: never). A window starts no sooner than the last ends.
	Every time.Duration
}

// ParseTraceConfig reads "WINDOW/EVERY" ("1s/5s": a 1 s window every 5
// s), "off", or "" for the defaults.
func ParseTraceConfig(s string) (TraceConfig, error) {
	switch s {
	case "":
		return TraceConfig{}, nil // the defaults
	case "off":
		return TraceConfig{Every: -1}, nil
	}
	w, e, ok := strings.Cut(s, "/")
	window, err1 := time.ParseDuration(w)
	every, err2 := time.ParseDuration(e)
	if !ok || err1 != nil || err2 != nil || window <= 0 || every < window {
		return TraceConfig{}, fmt.Errorf("%q: want WINDOW/EVERY with EVERY at least WINDOW, e.g. 1s/5s, or off", s)
	}
	return TraceConfig{Window: window, Every: every}, nil
}

// Off reports whether tracing is turned off.
func (c TraceConfig) Off() bool { return c.Every < 0 }

func (c TraceConfig) withDefaults() TraceConfig {
	if c.Window <= 0 {
		c.Window = DefaultTraceWindow
	}
	if c.Every == 0 {
		c.Every = DefaultTraceEvery
	}
	return c
}

// traceSource takes execution-trace windows from a target's pprof trace
// endpoint in the background and hands each window's metrics to one
// Sample, its evidence to Evidence.
type traceSource struct {
	base   string
	url    string
	cfg    TraceConfig
	limits traceLimits
	client *http.Client
	now    func() time.Time

	// The fetch goroutine's lifetime: Close cancels and waits.
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	// The rest is the Sample goroutine's alone; done hands a window over.
	done     chan traceResult // buffered: the fetch never waits on Sample
	fetching bool
	next     time.Time // when the next window is due
	broken   bool      // a window did not parse: no more windows
	notes    []string
	evidence []*profile.Profile
}

// traceResult is one fetch's outcome.
type traceResult struct {
	w      traceWindow
	at     time.Time // when the fetch started
	err    error
	broken bool // err is the parser's: the target's traces cannot be read
}

var (
	_ Source    = (*traceSource)(nil)
	_ Warner    = (*traceSource)(nil)
	_ Evidencer = (*traceSource)(nil)
	_ Secondary = (*traceSource)(nil)
)

// maxTraceEvidence bounds the evidence profiles a trace source holds
// between two calls of Evidence.
const maxTraceEvidence = 4

// NewTrace returns a Source of scheduler latency, blocking, GC pauses and
// GOMAXPROCS read from execution-trace windows of the pprof trace
// endpoint under pprofBase (http://host:port/debug/pprof). Sample never
// waits for a window: one is fetched in the background when due, and its
// metrics are returned once, by the first Sample after it ends; other
// Samples return no metrics. Close stops a window in progress; the
// monitor closes its sources when it closes. Sample, Evidence and Close
// are called from one goroutine, as the monitor does. A nil client means
// http.DefaultClient; its timeout, if any, is raised past the window.
func NewTrace(pprofBase string, cfg TraceConfig, client *http.Client) Source {
	cfg = cfg.withDefaults()
	if client == nil {
		client = http.DefaultClient
	}
	if need := cfg.Window + traceGrace; client.Timeout != 0 && client.Timeout < need {
		c := *client
		c.Timeout = need
		client = &c
	}
	base := strings.TrimSuffix(pprofBase, "/")
	ctx, cancel := context.WithCancel(context.Background())
	return &traceSource{
		base: base, cfg: cfg, limits: defaultTraceLimits, client: client, now: time.Now,
		url: base + "/trace?seconds=" + strconv.FormatFloat(cfg.Window.Seconds(), 'f', -1, 64),
		ctx: ctx, cancel: cancel, done: make(chan traceResult, 1),
	}
}

// Name is "trace:" and the pprof base URL.
func (s *traceSource) Name() string { return "trace:" + s.base }

// Warnings says why the last window was skipped, or that windows stopped.
func (s *traceSource) Warnings() []string { return s.notes }

// Secondary are the window's figures that yield to any other source's:
// the CPU its goroutines ran (not its syscalls'), the heap and GOMAXPROCS
// as the runtime said at some moment of the window.
func (s *traceSource) Secondary() []string { return []string{"cpu", "heap", "gomaxprocs"} }

// Evidence returns the blocked-time profiles of the windows finished
// since the last call, at most maxTraceEvidence of the latest.
func (s *traceSource) Evidence() []*profile.Profile {
	out := s.evidence
	s.evidence = nil
	return out
}

// Sample returns a finished window's metrics, if one finished since the
// last call, and starts the next window when it is due. The window runs
// past ctx, which is this call's alone, until it ends or Close.
func (s *traceSource) Sample(ctx context.Context) (Metrics, error) {
	m := Metrics{}
	select {
	case r := <-s.done:
		s.fetching = false
		m = s.take(r)
	default:
	}
	now := s.now()
	if s.fetching || s.broken || s.cfg.Off() || now.Before(s.next) || s.ctx.Err() != nil {
		return m, nil
	}
	s.fetching, s.next = true, now.Add(s.cfg.Every)
	s.wg.Add(1)
	go s.fetch(now)
	return m, nil
}

// take keeps a finished fetch's notes and evidence and returns its
// metrics.
func (s *traceSource) take(r traceResult) Metrics {
	switch {
	case r.broken:
		s.broken = true
		s.notes = []string{fmt.Sprintf("cannot read the target's execution traces; no more trace windows: %v", r.err)}
		return Metrics{}
	case r.err != nil:
		s.notes = []string{fmt.Sprintf("trace window skipped: %v", r.err)}
		return Metrics{}
	}
	s.notes = r.w.notes
	if p := r.w.evidence; p != nil && len(p.Sample) > 0 {
		if p.TimeNanos == 0 {
			p.TimeNanos = r.at.UnixNano()
		}
		s.evidence = latest(append(s.evidence, p), maxTraceEvidence)
	}
	return r.w.metrics()
}

// fetch takes one window and hands it to done.
func (s *traceSource) fetch(at time.Time) {
	defer s.wg.Done()
	// The deadline keeps a source nobody closes from holding a goroutine
	// past its window.
	ctx, cancel := context.WithTimeout(s.ctx, s.cfg.Window+traceGrace)
	defer cancel()
	r := traceResult{at: at}
	resp, err := promGet(ctx, s.client, s.url, "application/octet-stream")
	if err != nil {
		r.err = fmt.Errorf("fetch %s: %w", s.url, err)
		s.done <- r
		return
	}
	defer resp.Body.Close()
	r.w, err = readTrace(resp.Body, s.limits)
	if err != nil {
		r.err = err
		// A read cut short by the network or Close is not the format's
		// fault, nor is a window too busy to read; only a trace the parser
		// rejects stops the windows.
		r.broken = ctx.Err() == nil && !errors.Is(err, errTraceBody) && !errors.Is(err, errTraceTooLarge)
	}
	s.done <- r
}

// Close stops a window in progress and waits for its goroutine. It may be
// called more than once.
func (s *traceSource) Close() error {
	s.cancel()
	s.wg.Wait()
	return nil
}
