package capacity

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/strain-dev/strain/alert"
	"github.com/strain-dev/strain/metric"
	"github.com/strain-dev/strain/profiles"
	"github.com/strain-dev/strain/report"
	"github.com/strain-dev/strain/session"
)

// Search is one capacity search, made by New and carried out by Run. Its
// control methods may be called from any goroutine while it runs: End
// ends it as an interrupt does, Capture asks the step running for a
// profile. It sets the rate itself, so nothing else may.
type Search struct {
	cfg   Config
	log   io.Writer
	steps io.Writer // the steps' sessions' log: each line once
	seqs  uint64    // the {{seq}}s the steps so far took: the next step's first
	// hadData says which of the steps' checks have had data at a step:
	// one that never has ends the search.
	hadData []bool

	mu       sync.Mutex // guards what follows
	cur      *session.Session
	progress Progress
	stop     context.CancelFunc
	stopped  bool
}

// step is one rate tried: what it found, and the session's own report.
type step struct {
	report.Step
	rep      *report.Report
	offset   float64        // when the step's session began, in seconds since the search's
	measured []report.Point // the measured part's points, on the search's timeline
	checks   []*alert.Gate
	end      string // the outcome that ends the search here, if any
	backoff  bool   // the target errored hard or stalled: a longer pause follows
	cut      bool   // interrupted: not judged
}

// New checks cfg (with the defaults filled in) and readies the search.
// Its errors are the config's, or a step's config's (a bad rule's
// target, an unusable profiles directory).
func New(cfg Config) (*Search, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Search{cfg: cfg, log: cfg.Run.Log}
	if s.log == nil {
		s.log = io.Discard
	}
	s.steps = newOnceLog(s.log)
	s.hadData = make([]bool, len(cfg.SLOs)+2)
	if _, err := session.New(s.stepConfig(cfg.Start, nil)); err != nil {
		return nil, err
	}
	return s, nil
}

// stepConfig is the session of a step at rate, feeding m.
func (s *Search) stepConfig(rate float64, m *measure) session.Config {
	cfg := s.cfg.Run
	cfg.Log = s.steps
	load := *cfg.Load
	load.Rate, load.Duration = rate, s.cfg.Warmup+s.cfg.Step
	load.Stages, load.Requests = nil, 0
	load.FirstSeq = s.seqs // {{seq}} goes on from the steps before
	cfg.Load = &load
	cfg.Gates, cfg.Baseline, cfg.AbortAfter, cfg.Cooldown = nil, nil, 0, 0
	// A profile diagnosis asks for should record the step under load,
	// not the pause after it.
	cfg.CPUProfile = min(profiles.DefaultCPUDuration, max(s.cfg.Step/2, time.Second))
	cfg.Sinks = nil
	if m != nil {
		cfg.Sinks = []session.Sink{m}
	}
	return cfg
}

// Run carries out the search and returns its report. A search ended by
// ctx or End is marked interrupted and reports what it found so far. The
// error is for a search that could not begin: the target did not answer
// at the first step (*session.UnreachableError), or ctx ended first.
func (s *Search) Run(ctx context.Context) (*report.Report, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if !s.arm(cancel) {
		return nil, session.ErrInterrupted
	}
	began := time.Now()
	b := bracket{start: s.cfg.Start, ceiling: s.cfg.Ceiling, precision: s.cfg.Precision, growth: Growth}
	var steps []*step
	outcome, lost := "", 0
	for outcome == "" {
		rate, ok := b.next()
		if !ok {
			outcome = b.outcome()
			break
		}
		if time.Since(began)+s.cfg.Warmup+s.cfg.Step > s.cfg.MaxTime {
			fmt.Fprintf(s.log, "capacity: the time budget (%v) has no room for another step\n", s.cfg.MaxTime)
			outcome = report.OutcomeBudget
			break
		}
		// The budget holds even when a step overruns (a capture's drain,
		// a slow probe): its session ends at the budget's end.
		stepCtx, cancel := context.WithDeadline(ctx, began.Add(s.cfg.MaxTime))
		st, err := s.runStep(stepCtx, rate, time.Since(began).Seconds())
		cancel()
		var unreachable *session.UnreachableError
		switch {
		case errors.As(err, &unreachable) && len(steps) == 0:
			return nil, err
		case errors.As(err, &unreachable):
			lost++
			fmt.Fprintf(s.log, "capacity: the target does not answer (%v)\n", err)
			if lost > 1 {
				outcome = report.OutcomeTargetLost
			} else {
				s.pause(ctx, backOff*s.cfg.Pause)
			}
			continue
		case err != nil && len(steps) == 0:
			return nil, err
		case err != nil || st.rep.Interrupted:
			outcome = report.OutcomeInterrupted
			if ctx.Err() == nil { // the step's own deadline: the budget
				outcome = report.OutcomeBudget
			}
			if st != nil {
				st.Note, st.cut, st.SLOs, st.Pass = "cut short ("+outcome+"): not judged", true, nil, false
				steps = append(steps, st)
				s.recordStep(st, &b)
			}
			continue
		}
		lost = 0
		steps = append(steps, st)
		b.record(rate, st.Pass)
		s.recordStep(st, &b)
		outcome = s.afterStep(ctx, st)
	}
	return s.assemble(ctx, steps, &b, outcome, began), nil
}

// arm makes End cancel this search; false when End came first.
func (s *Search) arm(cancel context.CancelFunc) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stop = cancel
	return !s.stopped
}

// runStep runs one step at rate, offset seconds into the search, and
// judges it.
func (s *Search) runStep(ctx context.Context, rate, offset float64) (*step, error) {
	m := newMeasure(s.cfg.Warmup, offset, s.cfg.Run.Sinks)
	sess, err := session.New(s.stepConfig(rate, m))
	if err != nil {
		return nil, err
	}
	m.decided = func(sum map[string]float64) string { return failedBeyondDoubt(s.cfg.SLOs, sum) }
	m.end = func(why string) { sess.End(errors.New(why)) }
	if !s.current(sess, rate) {
		return nil, session.ErrInterrupted
	}
	defer s.current(nil, 0)
	fmt.Fprintf(s.log, "capacity: trying %s\n", metric.FormatPerSecond(rate))
	rep, err := sess.Run(ctx)
	if err != nil {
		return nil, err
	}
	// Every request begun took a {{seq}}: those completed and those the
	// step's end cut off.
	s.seqs += uint64(rep.Summary["requests"] + rep.Summary["unfinished"])
	st := &step{rep: rep, offset: offset, checks: checks(s.cfg.SLOs, rate, s.cfg.Precision)}
	st.Rate, st.Start, st.DurationSeconds = rate, offset+m.first.Seconds(), m.seconds()
	st.Summary = m.summary(rate)
	st.measured = measured(m.points, offset)
	st.SLOs, st.Pass = judge(st.checks, len(s.cfg.SLOs), st.Summary)
	for _, f := range rep.Findings {
		if f.Severity != report.Info {
			st.Findings = append(st.Findings, shiftFindings([]report.Finding{f}, offset)...)
		}
	}
	st.Note, st.end, st.backoff = notes(m, st, s.hadData)
	fmt.Fprintln(s.log, StepLine(&st.Step))
	return st, nil
}

// notes says what a step's measure shows besides its checks: why the
// search backs off after it (the target errored hard or stalled), ends
// (strain itself could not keep up; an SLO has had no data at any step so
// far: seen says which have), or why the step ended early. An SLO
// without data at a later step fails it: an overwhelmed target may not
// answer its metrics.
func notes(m *measure, st *step, seen []bool) (note, end string, backoff bool) {
	for i, g := range st.SLOs {
		if g.NoData && !seen[i] {
			return fmt.Sprintf("SLO %q has no data: the watched target may not provide its metric", g.Expr), report.OutcomeNoData, false
		}
		seen[i] = seen[i] || !g.NoData
	}
	switch {
	case st.Pass:
		return "", "", false
	case len(m.points) > 0 && m.saturated*2 >= len(m.points) && !failedOnErrors(st):
		return "strain itself was saturated: the step measured the generator, not the target", report.OutcomeGenerator, false
	case st.Summary["error_rate"] >= HardErrors:
		return fmt.Sprintf("the target errored hard (%s of requests failed): backing off", metric.FormatUnit(metric.Ratio, st.Summary["error_rate"])), "", true
	case m.stalled:
		return "the target stalled (an interval completed nothing): backing off", "", true
	}
	return m.ended, "", false
}

// failedOnErrors says whether a failed check judged errors, which the
// target's answers decide whatever strain's own speed.
func failedOnErrors(st *step) bool {
	for i, g := range st.SLOs {
		if m := st.checks[i].Metric; !g.Pass && (m == "error_rate" || m == "errors") {
			return true
		}
	}
	return false
}

// afterStep pauses for the target to recover, longer when it errored hard
// or stalled, and says whether the search must end here.
func (s *Search) afterStep(ctx context.Context, st *step) string {
	if st.backoff || st.end != "" { // an early end was said as it happened
		fmt.Fprintf(s.log, "capacity: %s\n", st.Note)
	}
	switch {
	case st.end != "":
		return st.end
	case st.backoff:
		s.pause(ctx, backOff*s.cfg.Pause)
	default:
		s.pause(ctx, s.cfg.Pause)
	}
	if ctx.Err() != nil {
		return report.OutcomeInterrupted
	}
	return ""
}

// pause waits d, or until ctx ends.
func (s *Search) pause(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// current makes sess the step running (nil: none); false when the search
// was stopped meanwhile.
func (s *Search) current(sess *session.Session, rate float64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cur, s.progress.Running = sess, rate
	return !s.stopped
}

// End ends the search as an interrupt does, whatever why says (a search
// has no abort of its own): the step running is cut short and the report
// says what was found so far. Safe to call more than once, and before
// Run.
func (s *Search) End(why error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopped = true
	if s.stop != nil {
		s.stop()
	}
	if s.cur != nil {
		s.cur.End(session.ErrInterrupted)
	}
}

// Capture asks the step running for a profile of kind from every watched
// target.
func (s *Search) Capture(kind string) {
	s.mu.Lock()
	cur := s.cur
	s.mu.Unlock()
	if cur != nil {
		cur.Capture(kind)
	}
}

// StepLine is how a step reads as a line of the log.
func StepLine(st *report.Step) string {
	verdict := Verdict(st)
	p99 := "-"
	if v, ok := st.Summary["latency.p99"]; ok {
		p99 = metric.Format("latency.p99", v)
	}
	return fmt.Sprintf("capacity: %s  throughput %s  p99 %s  errors %s  %s",
		metric.FormatPerSecond(st.Rate), metric.FormatPerSecond(st.Summary["throughput"]), p99,
		metric.FormatUnit(metric.Ratio, st.Summary["error_rate"]), verdict)
}

// Shut ends the captures of the step running, and waits for those being
// written: for a process about to exit.
func (s *Search) Shut() error {
	s.mu.Lock()
	cur := s.cur
	s.mu.Unlock()
	if cur == nil {
		return nil
	}
	return cur.Shut()
}
