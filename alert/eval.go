package alert

import (
	"time"
)

// State is where a rule stands, as in Prometheus.
type State string

// The states of a rule; Resolved is announced once, then the rule is
// inactive again.
const (
	Inactive State = "inactive"
	Pending  State = "pending"
	Firing   State = "firing"
	Resolved State = "resolved"
)

// Event is a rule changing state.
type Event struct {
	Time  time.Time
	Rule  *Rule
	State State   // pending, firing or resolved
	Value float64 // the metric when it changed
}

// Status is a rule's standing now.
type Status struct {
	Rule    *Rule
	State   State
	Since   time.Time // when it became pending or firing
	Value   float64
	Muted   bool // a warning silenced by a firing critical rule on its metric
	cleared time.Time
	hidden  bool // its firing was muted, so its resolution is too
}

// Evaluator holds the rules' states between evaluations. Eval is a pure
// function of the rules, the snapshot and the time passed in: the same
// sequence of calls gives the same events.
type Evaluator struct {
	status []Status
}

// NewEvaluator starts every rule inactive.
func NewEvaluator(rules []*Rule) *Evaluator {
	e := &Evaluator{}
	for _, r := range rules {
		e.status = append(e.status, Status{Rule: r, State: Inactive})
	}
	return e
}

// Eval advances every rule to now, given the metrics of now, and returns
// the state changes. A metric without a value leaves its condition false.
func (e *Evaluator) Eval(now time.Time, metrics map[string]float64) []Event {
	var events []Event
	for i := range e.status {
		st := &e.status[i]
		v, ok := metrics[st.Rule.Metric]
		holds := ok && st.Rule.Op.Holds(v, st.Rule.Threshold)
		if ok {
			st.Value = v
		}
		if state := st.step(now, holds); state != "" {
			events = append(events, Event{Time: now, Rule: st.Rule, State: state, Value: st.Value})
		}
	}
	return e.mute(events)
}

// step moves one rule and returns the state it entered, if it changed.
func (st *Status) step(now time.Time, holds bool) State {
	r := st.Rule
	switch {
	case holds && st.State == Inactive:
		st.State, st.Since = Pending, now
		if r.For <= 0 {
			st.State = Firing
			return Firing
		}
		return Pending
	case holds && st.State == Pending && now.Sub(st.Since) >= r.For:
		st.State, st.Since = Firing, now
		return Firing
	case holds && st.State == Firing:
		st.cleared = time.Time{}
	case !holds && st.State == Pending:
		st.State = Inactive // cleared before it was sustained: never fired
	case !holds && st.State == Firing:
		if st.cleared.IsZero() {
			st.cleared = now
		}
		if now.Sub(st.cleared) >= r.Keep {
			st.State, st.cleared = Inactive, time.Time{}
			return Resolved
		}
	}
	return ""
}

// mute silences warnings on a metric whose critical rule is firing: their
// events are dropped and their status marked.
func (e *Evaluator) mute(events []Event) []Event {
	critical := map[string]bool{}
	for _, st := range e.status {
		if st.Rule.Severity == Critical && st.State == Firing {
			critical[st.Rule.Metric] = true
		}
	}
	for i := range e.status {
		st := &e.status[i]
		st.Muted = st.Rule.Severity == Warning && critical[st.Rule.Metric]
	}
	kept := events[:0]
	for _, ev := range events {
		st := e.statusOf(ev.Rule)
		switch {
		case ev.Rule.Severity == Warning && critical[ev.Rule.Metric]:
			if ev.State == Firing {
				st.hidden = true
			}
		case ev.State == Resolved && st.hidden:
			st.hidden = false // announced neither firing nor resolving
		default:
			kept = append(kept, ev)
		}
	}
	return kept
}

func (e *Evaluator) statusOf(r *Rule) *Status {
	for i := range e.status {
		if e.status[i].Rule == r {
			return &e.status[i]
		}
	}
	return &Status{}
}

// Active lists the rules pending or firing now, muted ones included.
func (e *Evaluator) Active() []Status {
	var out []Status
	for _, st := range e.status {
		if st.State == Pending || st.State == Firing {
			out = append(out, st)
		}
	}
	return out
}
