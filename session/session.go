package session

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/strain-dev/strain/alert"
	"github.com/strain-dev/strain/loadgen"
	"github.com/strain-dev/strain/loadgen/transport"
	"github.com/strain-dev/strain/metric"
	"github.com/strain-dev/strain/profiles"
	"github.com/strain-dev/strain/report"
)

// Session is one run, made by New and carried out by Run. Its control
// methods (Scale, Pause, Capture, End) may be called from any goroutine
// while it runs, and return at once.
type Session struct {
	cfg   Config
	log   io.Writer
	rules []*alert.Rule     // with target.X expanded per watched target
	cat   *metric.Catalogue // the names this run's metrics will have
	eval  *alert.Evaluator
	abort *abortWatch
	eng   *loadgen.Engine // nil without load
	caps  *captures       // nil when nothing can capture
	diag  *diagnosis      // nil when off
	// loadEnd is when the load stopped, in seconds, when a cooldown
	// watched on after it; set before the cooldown's points.
	loadEnd float64

	logMu       sync.Mutex // serializes the log's lines: the run and the captures both write them
	ran         atomic.Bool
	latest      atomic.Pointer[map[string]float64] // the last point's metrics, for a capture's index entry
	stopMu      sync.Mutex                         // guards stop, runCtx, interrupted and aborted: End may come before Run
	stop        context.CancelCauseFunc
	runCtx      context.Context // the run's, which its captures end with; nil before Run
	interrupted error           // why End interrupted the run, which may not have begun
	aborted     bool

	changeMu sync.Mutex // guards what follows: the keys' goroutine changes, Run reads
	started  time.Time  // when the load, or the watch, began
	changes  []report.Change
	asked    float64 // the level last asked for by hand; 0: none yet

	status map[int]int64 // so far, handed to sinks
	errors map[string]int64
	alerts []report.Alert
}

// ErrInterrupted is why a run ended as an interrupt ends it: the user
// quit, or the reader of its output went away. End with it (or an error
// that wraps it) and the report is complete and marked interrupted.
var ErrInterrupted = errors.New("interrupted")

// UnreachableError is Run's error when the load's targets did not answer
// at the start: the run could not be carried out.
type UnreachableError struct{ Err error }

func (e *UnreachableError) Error() string { return e.Err.Error() }
func (e *UnreachableError) Unwrap() error { return e.Err }

// New checks cfg and readies its run: the load engine, the expanded rules
// and the capturer. Its errors are the config's (a bad rule's target, an
// unusable profiles directory). A session made and never run holds
// nothing that needs releasing.
func New(cfg Config) (*Session, error) {
	s := &Session{cfg: cfg, log: cfg.Log, status: map[int]int64{}, errors: map[string]int64{}}
	if s.log == nil {
		s.log = io.Discard
	}
	s.log = &lockedWriter{mu: &s.logMu, w: s.log}
	if err := cfg.check(); err != nil {
		return nil, err
	}
	var err error
	if s.rules, err = expandRules(cfg.Rules, cfg.Watch); err != nil {
		return nil, err
	}
	for _, g := range cfg.Gates {
		if err := checkTarget(g.Metric, cfg.Watch); err != nil {
			return nil, fmt.Errorf("gate %q: %w", g.Text, err)
		}
	}
	if cfg.Load != nil {
		load := *cfg.Load
		if load.Transport == nil {
			load.Transport = transport.For // strain's own clients, and net/http for the rest
		}
		if s.eng, err = loadgen.New(load); err != nil {
			return nil, err
		}
	}
	s.eval = alert.NewEvaluator(s.rules)
	s.cat = Catalogue(cfg.Watch)
	if cfg.AbortAfter > 0 {
		s.abort = newAbortWatch(cfg.Gates, cfg.AbortAfter, s.cat)
	}
	s.diag = newDiagnosis(&cfg)
	if needsCaptures(s.rules) || cfg.ManualCaptures || (s.diag != nil && len(cfg.Watch) > 0) {
		if s.caps, err = openCaptures(cfg.profilesDir(), cfg.CPUProfile, cfg.Watch, s.log); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// Run carries out the run and returns its report, complete: summary,
// alerts, profiles, gates and verdict. A run ended by ctx or
// interrupted by End is marked interrupted and still reported. The error is for a run that
// could not be carried out (an *UnreachableError, or ctx's error when it
// ended before the load began, or while it waited for Config.StartAt); Run may be called once.
func (s *Session) Run(ctx context.Context) (*report.Report, error) {
	if s.ran.Swap(true) {
		return nil, errors.New("session: Run called twice")
	}
	s.caps.start()
	defer s.caps.close()
	if !s.waitToStart(ctx) {
		return nil, ctx.Err()
	}
	if err := s.probe(ctx); err != nil {
		return nil, err
	}
	w := startWatcher(ctx, s.cfg.Watch, s.cfg.interval(), s.cfg.GrowthWindow, s.log)
	rep := newReport(s.cfg.Load)
	if s.eng != nil {
		eff := s.eng.Config() // with the defaults filled in: the open model's cap
		rep = newReport(&eff)
		rep.Load.Path = s.eng.Path()
		if eff.HTTP2 {
			rep.Load.Connections = eff.HTTP2Connections()
		}
	}
	runCtx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	s.armStop(runCtx, stop)
	if s.eng != nil {
		s.runLoad(runCtx, rep, w, stop)
		s.cooldown(runCtx, rep, w, stop)
	} else {
		s.runWatch(runCtx, rep, w, stop)
	}
	for _, sink := range s.cfg.Sinks {
		if f, ok := sink.(Finisher); ok {
			f.Finish(ctx, rep)
		}
	}
	s.finish(ctx, rep, w, context.Cause(runCtx))
	return rep, nil
}

// probe checks that the run's targets answer: the load's, or without
// load the watched ones.
func (s *Session) probe(ctx context.Context) error {
	if s.cfg.ProbeWait < 0 {
		return nil
	}
	wait := s.cfg.ProbeWait
	if wait == 0 {
		wait = loadgen.DefaultProbeWait
	}
	var err error
	if s.eng != nil {
		err = loadgen.Probe(ctx, s.cfg.Load.Targets, wait)
		if err == nil {
			err = s.eng.ProbeHTTP2(ctx, wait)
		}
	} else {
		err = probeWatch(ctx, s.cfg.Watch, wait)
	}
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return &UnreachableError{Err: err}
	}
	return nil
}

// runLoad sends the load and takes a point per window.
func (s *Session) runLoad(ctx context.Context, rep *report.Report, w *watcher, stop context.CancelCauseFunc) {
	open, segment := s.eng.Config().Open(), !s.eng.Config().Segment.Whole()
	windows := s.eng.Start(ctx)
	s.changeMu.Lock()
	s.started = time.Now()
	s.changeMu.Unlock()
	for win := range windows {
		p := loadPoint(&win, open, segment)
		s.observe(time.Now(), &win, p, rep, w, stop)
	}
	res := s.eng.Result()
	addResult(rep, &res, s.cfg.Load.Insecure, s.cfg.Load.GRPC())
	s.changeMu.Lock()
	rep.Load.Changes = s.changes
	s.changeMu.Unlock()
}

// change records a live change to the load, once the load has started;
// the caller holds changeMu.
func (s *Session) change(c report.Change) {
	if !s.started.IsZero() {
		c.T = time.Since(s.started).Seconds()
		s.changes = append(s.changes, c)
	}
}

// runWatch takes a point per interval, without load, for Duration (from
// the first sample) or until ctx ends.
func (s *Session) runWatch(ctx context.Context, rep *report.Report, w *watcher, stop context.CancelCauseFunc) {
	start := time.Now()
	rep.Started = start
	s.changeMu.Lock()
	s.started = start // for an abort's time; without load nothing changes
	s.changeMu.Unlock()
	if s.cfg.Duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.cfg.Duration)
		defer cancel()
	}
	s.watchPoints(ctx, start, rep, w, stop)
	rep.DurationSeconds = time.Since(start).Seconds()
}

// watchPoints takes a point per interval without load, its time from
// start, until ctx ends.
func (s *Session) watchPoints(ctx context.Context, start time.Time, rep *report.Report, w *watcher, stop context.CancelCauseFunc) {
	ticker := time.NewTicker(s.cfg.interval())
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-ticker.C:
			p := report.Point{T: now.Sub(start).Seconds(), Metrics: map[string]float64{}}
			s.observe(now, nil, p, rep, w, stop)
		}
	}
}

// observe completes one point (the targets' metrics, growth), evaluates
// the rules and the abort on it, and feeds it to the sinks.
func (s *Session) observe(now time.Time, win *loadgen.Window, p report.Point, rep *report.Report, w *watcher, stop context.CancelCauseFunc) {
	// The captures it asks for end with the run, not with its phase (a
	// watch's -d, a cooldown): those ending are drained in finish.
	ctx := s.captureContext()
	w.metrics(&p)
	rep.Series = append(rep.Series, p)
	s.latest.Store(&p.Metrics)
	sp := &Point{Point: p, Time: now, Window: win, Saturated: saturated(p.Metrics), TargetRuntimes: maps.Clone(w.runtimes), TargetNames: w.names}
	for _, ev := range s.eval.Eval(now, p.Metrics) {
		a := alertReport(ev, p.T)
		s.alerts = append(s.alerts, a)
		sp.Events = append(sp.Events, a)
		if ev.State != alert.Pending {
			fmt.Fprintln(s.log, eventLine(a))
		}
		s.caps.forAlert(ctx, ev, p.Metrics)
	}
	if len(rep.Series) == noDataAfter {
		s.warnNoData(rep.Series)
	}
	s.diagnoseLive(ctx, rep, p.Metrics, w)
	if why := s.abort.observe(now, p.Metrics); why != "" {
		err := &abortError{Why: why, T: p.T}
		fmt.Fprintf(s.log, "%6.1fs  ABORT    %s\n", p.T, err.Error())
		stop(err)
	}
	if win != nil {
		for code, n := range win.Status {
			s.status[code] += n
		}
		for kind, n := range win.Kinds {
			s.errors[kind] += n
		}
		sp.Level, sp.Paused = win.Level, s.eng.Paused()
	}
	sp.Status, sp.Errors = s.statusNames(), maps.Clone(s.errors)
	sp.Alerts, sp.Profiles = s.eval.Active(), s.caps.list()
	if s.diag != nil {
		sp.Findings = s.diag.now
	}
	for _, sink := range s.cfg.Sinks {
		sink.Observe(sp)
	}
}

// finish completes the report once the last point is in.
func (s *Session) finish(ctx context.Context, rep *report.Report, w *watcher, cause error) {
	rep.Interrupted = ctx.Err() != nil || errors.Is(cause, ErrInterrupted)
	rep.Passed = !rep.Interrupted
	rep.TargetRuntimes, rep.TargetNames = w.runtimes, w.names
	warnings := w.close()
	slices.Sort(warnings)
	rep.Warnings = append(rep.Warnings, warnings...)
	summarizeRuntimes(rep)
	s.caps.finish(ctx, rep)
	s.diagnoseFinal(rep)
	warn, hint := saturation(rep.Series)
	sayOnce(rep, warn, hint)
	rep.Alerts = append(rep.Alerts, s.alerts...)
	alert.Judge(rep, s.cfg.Gates)
	for _, g := range s.cfg.Baseline.Check(rep.Summary) {
		rep.Gates = append(rep.Gates, g)
		rep.Passed = rep.Passed && g.Pass
	}
	var ab *abortError
	if errors.As(cause, &ab) {
		rep.Passed = false
		rep.Warnings = append(rep.Warnings, ab.Error())
	}
}

// armStop makes End end this run, at once if it came first, and its
// captures end with ctx, the run's.
func (s *Session) armStop(ctx context.Context, stop context.CancelCauseFunc) {
	s.stopMu.Lock()
	defer s.stopMu.Unlock()
	s.stop, s.runCtx = stop, ctx
	if s.interrupted != nil {
		stop(s.interrupted)
	}
}

// End ends the run now, and why says how. A nil why, or one that is (or
// wraps) ErrInterrupted, ends it as an interrupt does (the user quit, the
// reader of its output went away): the load stops and the report,
// complete, is marked interrupted; before Run, the run ends as soon as it
// begins. Any other why is an abort, as --abort-on-fail's: the run ends
// as failed, saying why (and when, since the load or the watch began) in
// the log and the report's warnings, and its report is not interrupted;
// an abort before Run has begun the run does nothing. The first end
// decides. End returns at once; it is safe to call from a sink, from any
// goroutine, and more than once.
func (s *Session) End(why error) {
	if why == nil || errors.Is(why, ErrInterrupted) {
		s.interrupt(cmp.Or(why, ErrInterrupted))
		return
	}
	s.abortNow(why.Error())
}

// interrupt ends the run as an interrupt does, at once if it has begun.
func (s *Session) interrupt(why error) {
	s.stopMu.Lock()
	defer s.stopMu.Unlock()
	if s.interrupted == nil {
		s.interrupted = why
	}
	if s.stop != nil {
		s.stop(why)
	}
}

// abortNow ends the run as failed, once, saying why; before Run has begun
// the run, it does nothing.
func (s *Session) abortNow(why string) {
	s.changeMu.Lock()
	t := 0.0
	if !s.started.IsZero() {
		t = time.Since(s.started).Seconds()
	}
	s.changeMu.Unlock()
	s.stopMu.Lock()
	defer s.stopMu.Unlock()
	if s.stop != nil && !s.aborted {
		s.aborted = true
		fmt.Fprintf(s.log, "%6.1fs  ABORT    %s\n", t, why)
		s.stop(&abortError{Why: why, T: t})
	}
}

// Scale sets the load level (concurrency or rate) to level×factor+step,
// at least 1. In the closed model it is a whole number of requests in
// flight, and a factor other than 1 moves it by at least one. Without load
// it does nothing. Each change is in the report's load.changes.
func (s *Session) Scale(factor, step float64) {
	if s.eng == nil {
		return
	}
	s.changeMu.Lock()
	defer s.changeMu.Unlock()
	// From the level last asked for: the engine takes a moment to apply
	// it, and "+" then "]" must mean exactly that.
	cur := s.asked
	if cur == 0 {
		cur = s.eng.Level()
	}
	v := max(cur*factor+step, 1)
	if !s.eng.Config().Open() {
		v = math.Round(v)
		if v == cur && factor != 1 {
			v = max(cur+math.Copysign(1, factor-1), 1)
		}
	}
	s.eng.SetLevel(v)
	s.asked = v
	s.change(report.Change{Level: v})
}

// Pause pauses the load, or resumes it, and says whether it is now paused.
// Without load it does nothing.
func (s *Session) Pause() bool {
	if s.eng == nil {
		return false
	}
	s.changeMu.Lock()
	defer s.changeMu.Unlock()
	paused := s.eng.TogglePause()
	level := s.asked
	if level == 0 {
		level = s.eng.Level()
	}
	s.change(report.Change{Level: level, Paused: &paused})
	return paused
}

// Capture asks for a profile of kind ("cpu", "goroutine", "heap"…) of
// every watched target, strain itself when none; the result is logged and
// listed in the report. Without a capturer (no rule captures and
// ManualCaptures is off) it says so in the log.
func (s *Session) Capture(kind string) {
	k, err := profiles.ParseKind(kind)
	switch {
	case err != nil:
		fmt.Fprintf(s.log, "profile  %v\n", err)
	case s.caps == nil:
		fmt.Fprintf(s.log, "profile  %s: captures are off in this run\n", kind)
	default:
		var m map[string]float64
		if p := s.latest.Load(); p != nil {
			m = *p
		}
		// Said at once: a CPU profile lands only after its duration.
		fmt.Fprintf(s.log, "profile  %s capture started%s\n", k, captureTakes(k))
		s.caps.manual(s.captureContext(), k, m)
	}
}

// captureContext is the run's context, which its captures end with;
// before Run, one that never ends (Close ends a capture asked for then).
func (s *Session) captureContext() context.Context {
	s.stopMu.Lock()
	defer s.stopMu.Unlock()
	if s.runCtx == nil {
		return context.Background()
	}
	return s.runCtx
}

// Shut ends the captures in flight and waits for those being written: for
// a process about to exit, so that no capture is left half-written. It
// blocks, and leaves the run itself to End or ctx.
func (s *Session) Shut() error { return s.caps.close() }

// captureTakes says how long a capture of kind k takes, when it is more
// than a moment.
func captureTakes(k profiles.Kind) string {
	switch k {
	case profiles.CPU:
		return fmt.Sprintf(" (%v)", profiles.DefaultCPUDuration)
	case profiles.Trace:
		return fmt.Sprintf(" (%v)", profiles.DefaultTraceDuration)
	}
	return ""
}

// noDataAfter is how many points a gate's metric may be absent before the
// run says so: a target that cannot provide it (a Prometheus scrape with
// no scheduler histogram) would otherwise be told only at the end.
const noDataAfter = 3

// warnNoData says, once, which gates have had no data in the first points.
func (s *Session) warnNoData(series []report.Point) {
	for _, g := range s.cfg.Gates {
		live, _ := liveMetric(g, s.cat)
		if metric.Parse(live).Scope.Kind == metric.Load {
			continue // the load's own figures come with its responses
		}
		seen := false
		for _, p := range series {
			_, ok := p.Metrics[live]
			seen = seen || ok
		}
		if !seen {
			fmt.Fprintf(s.log, "warning: gate %q: no %s in the first %d intervals; the watched target may not provide it, and the gate fails with no data\n", g.Text, live, len(series))
		}
	}
}

// lockedWriter writes to w under mu, one Write at a time.
type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// statusNames are the statuses so far by name, as the report has them.
func (s *Session) statusNames() map[string]int64 {
	named := make(map[string]int64, len(s.status))
	for code, n := range s.status {
		named[loadgen.StatusName(code, s.cfg.Load.GRPC())] = n
	}
	return named
}
