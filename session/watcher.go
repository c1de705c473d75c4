package session

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/strain-dev/strain/internal/redact"
	"github.com/strain-dev/strain/metric"
	"github.com/strain-dev/strain/monitor"
	"github.com/strain-dev/strain/report"
)

// SelfName is strain's own target in the monitor; no watched target may
// take it.
const SelfName = "self"

// defaultGrowthWindow is the span over which a metric's growth per second
// is measured, long enough to see through GC's sawtooth.
const defaultGrowthWindow = 10 * time.Second

// grown are the runtime metrics whose growth per second is derived, as
// NAME_growth: the leak and memory rules judge them (tasks_growth on any
// runtime, goroutines_growth on Go's).
var grown = []string{"goroutines", "tasks", "rss"}

// watcher is the monitor as a run uses it: strain itself plus the watched
// targets, each under its metric scope, with growth derived.
type watcher struct {
	mon    *monitor.Monitor
	scopes map[string]metric.Scope // target name → scope
	warned map[string]bool
	log    io.Writer
	growth *growth
	// runtimes are what each target runs, by its scope's name, as its
	// sources say: "go", "python", "node".
	runtimes map[string]string
	// names are the watched targets' names, by their scope's name (nil
	// when none is watched): fixed at the start, shared by every point.
	names   map[string]string
	windows windows // each target's latest execution-trace windows, for evidence
}

// startWatcher discovers the specs' sources, says what it found, and starts
// sampling strain itself and every target.
func startWatcher(ctx context.Context, specs []monitor.Spec, interval, window time.Duration, log io.Writer) *watcher {
	client := &http.Client{Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 4}}
	targets := []monitor.Target{{Name: SelfName, Sources: []monitor.Source{monitor.NewSelf(), monitor.NewPid(os.Getpid())}}}
	w := &watcher{scopes: map[string]metric.Scope{SelfName: metric.SelfScope}, warned: map[string]bool{}, log: log, growth: newGrowth(window), runtimes: map[string]string{}, windows: windows{}}
	for _, s := range specs {
		t, notes := s.Discover(ctx, client)
		for _, n := range notes {
			fmt.Fprintln(log, redact.Text(n)) // they quote the URLs found
		}
		targets = append(targets, t)
		scope := targetScope(s.Name, len(specs))
		w.scopes[t.Name] = scope
		if w.names == nil {
			w.names = map[string]string{}
		}
		w.names[scope.String()] = t.Name
	}
	w.mon = monitor.New(interval, targets...)
	w.mon.Open(ctx)
	return w
}

// targetScope is the scope of the watched target named name, one of n.
func targetScope(name string, n int) metric.Scope {
	if n > 1 {
		return metric.TargetScope(name)
	}
	return metric.OneTarget
}

// metrics takes a snapshot, puts its scoped metrics and their growth in
// p, with the bounds of those read from buckets, and prints each new
// warning once, its URLs redacted.
func (w *watcher) metrics(p *report.Point) {
	m := p.Metrics
	snap := w.mon.Snapshot()
	for name, rt := range snap.Runtimes {
		if scope := w.scopes[name]; scope.Kind == metric.Target {
			w.runtimes[scope.String()] = rt
		}
	}
	for name, ms := range snap.Targets {
		scope := w.scopes[name]
		for k, v := range ms {
			m[scope.Of(k).String()] = v
		}
		for k, b := range snap.Bounds[name] {
			if p.Bounds == nil {
				p.Bounds = map[string]metric.Bounds{}
			}
			p.Bounds[scope.Of(k).String()] = b
		}
		for _, k := range grown {
			if v, ok := ms[k]; ok {
				key := scope.Of(k).String()
				if g, ok := w.growth.add(key, snap.Time, v); ok {
					m[key+"_growth"] = g
				}
			}
		}
	}
	for name, ps := range snap.Evidence {
		w.windows.add(name, ps)
	}
	for _, warn := range snap.Warnings {
		w.warn(redact.Text(warn)) // a source's error quotes its URL
	}
}

// warn says a warning once, and at most maxWarnings of them.
func (w *watcher) warn(warn string) {
	switch {
	case w.warned[warn]:
	case len(w.warned) == maxWarnings:
		w.warned[moreWarnings] = true
		fmt.Fprintf(w.log, "warning: %s\n", moreWarnings)
	case len(w.warned) < maxWarnings:
		w.warned[warn] = true
		fmt.Fprintf(w.log, "warning: %s\n", warn)
	}
}

// maxWarnings bounds the distinct warnings a run keeps: a target whose
// error text changes every interval would otherwise add a line each time.
const maxWarnings = 50

// moreWarnings stands for the warnings past maxWarnings.
const moreWarnings = "more warnings from the watched targets than strain keeps (50); later ones are not shown"

// close stops the monitor and returns the warnings it gave.
func (w *watcher) close() []string {
	w.mon.Close()
	var out []string
	for warn := range w.warned {
		out = append(out, warn)
	}
	return out
}

// growth keeps each metric's recent history to derive its change per
// second: a pure function of the times and values it is given.
type growth struct {
	window  time.Duration
	history map[string][]timed
}

type timed struct {
	at time.Time
	v  float64
}

func newGrowth(window time.Duration) *growth {
	if window <= 0 {
		window = defaultGrowthWindow
	}
	return &growth{window: window, history: map[string][]timed{}}
}

// add records v of name at now and returns its change per second over the
// last window, once half a window has been seen.
func (g *growth) add(name string, now time.Time, v float64) (float64, bool) {
	h := append(g.history[name], timed{now, v})
	for len(h) > 2 && now.Sub(h[1].at) >= g.window {
		h = h[1:]
	}
	g.history[name] = h
	if span := now.Sub(h[0].at); span >= g.window/2 && span > 0 {
		return (v - h[0].v) / span.Seconds(), true
	}
	return 0, false
}
