package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/strain-dev/strain/monitor"
	"github.com/strain-dev/strain/report"
)

// selfName is strain's own target in the monitor.
const selfName = "self"

// Generator health: above these, strain's own delay shows in its figures.
const (
	saturatedSchedP99 = 10 * time.Millisecond
	saturatedCPUShare = 0.9 // of all the cores strain may use
)

// parseSpecs parses --watch SPECs; a malformed one is a usage error.
func parseSpecs(raw []string) ([]monitor.Spec, error) {
	var specs []monitor.Spec
	seen := map[string]bool{selfName: true}
	for _, r := range raw {
		s, err := monitor.ParseSpec(r)
		if err != nil {
			return nil, err
		}
		if seen[s.Name] {
			return nil, fmt.Errorf("watch %q: the name %q is taken; name it: NAME=%s", r, s.Name, r)
		}
		seen[s.Name] = true
		specs = append(specs, s)
	}
	return specs, nil
}

// growthWindow is the span over which a metric's growth per second is
// measured, long enough to see through GC's sawtooth.
const growthWindow = 10 * time.Second

// grown are the metrics whose growth per second is derived, as NAME_growth.
var grown = []string{"goroutines", "rss"}

// watcher is the monitor as the wiring uses it: strain itself plus the
// watched targets, with their metric names prefixed as PRODUCT.md says.
type watcher struct {
	mon     *monitor.Monitor
	prefix  map[string]string // target name → metric prefix
	warned  map[string]bool
	stderr  io.Writer
	history map[string][]timed // for growth, by prefixed metric name
}

type timed struct {
	at time.Time
	v  float64
}

// startWatcher discovers the specs' sources, says what it found, and starts
// sampling strain itself and every target.
func startWatcher(ctx context.Context, specs []monitor.Spec, interval time.Duration, stderr io.Writer) *watcher {
	client := &http.Client{Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 4}}
	targets := []monitor.Target{{Name: selfName, Sources: []monitor.Source{monitor.NewSelf(), monitor.NewPid(os.Getpid())}}}
	w := &watcher{prefix: map[string]string{selfName: "self."}, warned: map[string]bool{}, stderr: stderr, history: map[string][]timed{}}
	for _, s := range specs {
		t, notes := s.Discover(ctx, client)
		for _, n := range notes {
			fmt.Fprintln(stderr, n)
		}
		targets = append(targets, t)
		w.prefix[t.Name] = "target."
		if len(specs) > 1 {
			w.prefix[t.Name] = "target[" + t.Name + "]."
		}
	}
	w.mon = monitor.New(interval, targets...)
	w.mon.Open(ctx)
	return w
}

// metrics takes a snapshot, puts its prefixed metrics in m, and prints each
// new warning once.
func (w *watcher) metrics(m map[string]float64) {
	snap := w.mon.Snapshot()
	for name, ms := range snap.Targets {
		for k, v := range ms {
			m[w.prefix[name]+k] = v
		}
		for _, k := range grown {
			if v, ok := ms[k]; ok {
				w.growth(m, w.prefix[name]+k, snap.Time, v)
			}
		}
	}
	for _, warn := range snap.Warnings {
		if !w.warned[warn] {
			w.warned[warn] = true
			fmt.Fprintf(w.stderr, "warning: %s\n", warn)
		}
	}
}

// finish stops the monitor and puts its summaries and warnings in rep.
func (w *watcher) finish(rep *report.Report) {
	w.mon.Close()
	rep.Summarize(seriesNames(rep, "self.", "target")...)
	for warn := range w.warned {
		rep.Warnings = append(rep.Warnings, warn)
	}
	if warn := saturation(rep); warn != "" {
		rep.Warnings = append(rep.Warnings, warn)
	}
}

// seriesNames lists the metric names in rep's series that start with one of
// the prefixes.
func seriesNames(rep *report.Report, prefixes ...string) []string {
	seen := map[string]bool{}
	var names []string
	for _, p := range rep.Series {
		for k := range p.Metrics {
			for _, pre := range prefixes {
				if !seen[k] && strings.HasPrefix(k, pre) {
					seen[k] = true
					names = append(names, k)
				}
			}
		}
	}
	return names
}

// saturated says whether strain itself was saturated in an interval with
// metrics m: its own scheduler slow, or its CPU near what it may use.
func saturated(m map[string]float64) bool {
	return m["self.sched_latency.p99"] >= saturatedSchedP99.Seconds() || m["self.cpu"] >= cpuLimit()
}

// cpuLimit is the self.cpu (percent of one core) that counts as saturated.
func cpuLimit() float64 { return saturatedCPUShare * 100 * float64(runtime.GOMAXPROCS(0)) }

// saturation says when strain itself was saturated during the run, since
// its latency figures then include its own delay.
func saturation(rep *report.Report) string {
	var n int
	var worstSched, worstCPU float64
	for _, p := range rep.Series {
		worstSched = max(worstSched, p.Metrics["self.sched_latency.p99"])
		worstCPU = max(worstCPU, p.Metrics["self.cpu"])
		if saturated(p.Metrics) {
			n++
		}
	}
	if n == 0 {
		return ""
	}
	warn := fmt.Sprintf("generator saturated in %d of %d intervals (self.sched_latency.p99 up to %s, self.cpu up to %.0f%%): latency figures include strain's own delay",
		n, len(rep.Series), report.Seconds(worstSched), worstCPU)
	if used, all := runtime.GOMAXPROCS(0), runtime.NumCPU(); worstCPU >= cpuLimit() && used < all {
		warn += fmt.Sprintf("; it used %d of %d cores (--procs %d gives it more)", used, all, all)
	}
	return warn
}

// growth records v and puts NAME_growth, its change per second over the
// last growthWindow, in m once half a window has been seen.
func (w *watcher) growth(m map[string]float64, name string, now time.Time, v float64) {
	h := append(w.history[name], timed{now, v})
	for len(h) > 2 && now.Sub(h[1].at) >= growthWindow {
		h = h[1:]
	}
	w.history[name] = h
	if span := now.Sub(h[0].at); span >= growthWindow/2 {
		m[name+"_growth"] = (v - h[0].v) / span.Seconds()
	}
}
