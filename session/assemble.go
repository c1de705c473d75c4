package session

import (
	"fmt"
	"runtime"
	"strings"

	"github.com/strain-dev/strain/alert"
	"github.com/strain-dev/strain/internal/redact"
	"github.com/strain-dev/strain/loadgen"
	"github.com/strain-dev/strain/metric"
	"github.com/strain-dev/strain/report"
)

// minForP999 is the fewest timed responses for which p999 is more than
// just the maximum.
const minForP999 = 1000

// newReport starts the report of a run with load cfg (nil: none).
func newReport(cfg *loadgen.Config) *report.Report {
	rep := report.New()
	if cfg == nil {
		rep.Load.Model = "none"
		return rep
	}
	rep.Load = report.Load{Model: "closed", Concurrency: cfg.Concurrency, Requests: cfg.Requests, Procs: runtime.GOMAXPROCS(0)}
	share := 1.0 // a segment's open model takes its share of the whole's schedule
	if cfg.Open() {
		share = cfg.Segment.Share()
		rep.Load.Model, rep.Load.Rate = "open", cfg.Rate*share
	}
	for _, s := range cfg.Stages {
		rep.Load.Stages = append(rep.Load.Stages, report.Stage{DurationSeconds: s.Duration.Seconds(), Target: s.Target * share})
	}
	if !cfg.Segment.Whole() {
		rep.Segment = &report.Segment{Index: cfg.Segment.Index, Count: cfg.Segment.Count}
	}
	for _, t := range cfg.Targets {
		method, u := t.Label()
		rep.Load.Targets = append(rep.Load.Targets, method+" "+redact.URL(u))
	}
	return rep
}

// levelMetric names the load level: the concurrency or the rate asked for.
func levelMetric(open bool) string {
	if open {
		return "rate"
	}
	return "concurrency"
}

// loadPoint turns a window into a point of the report's time series;
// a segment's carries the window's histograms, for strain merge.
func loadPoint(w *loadgen.Window, open, segment bool) report.Point {
	m := w.Metrics(open)
	m[levelMetric(open)] = w.Level
	p := report.Point{T: w.End.Seconds(), Metrics: m}
	if segment {
		p.Histograms = histograms(&w.Counts)
	}
	return p
}

// histograms encodes c's latency histograms; an encoding that fails
// (none does for strain's own) is left out, and merging the segment then
// says so.
func histograms(c *loadgen.Counts) *report.Histograms {
	lat, err1 := loadgen.EncodeHistogram(c.Latency)
	unc, err2 := loadgen.EncodeHistogram(c.Uncorrected)
	if err1 != nil || err2 != nil {
		return nil
	}
	return &report.Histograms{Latency: lat, LatencyUncorrected: unc}
}

// addResult puts the whole run's load figures and warnings in rep;
// insecure is whether TLS verification was skipped, grpc whether the
// statuses are gRPC calls'.
func addResult(rep *report.Report, res *loadgen.Result, insecure, grpc bool) {
	rep.Started = res.Started
	rep.DurationSeconds = res.Duration().Seconds()
	for k, v := range res.Metrics() {
		rep.Summary[k] = v
	}
	rep.Summarize("throughput", "inflight", "oldest_inflight", levelMetric(res.Open))
	for code, n := range res.Status {
		rep.StatusCodes[loadgen.StatusName(code, grpc)] = n
	}
	for kind, n := range res.Kinds {
		rep.ErrorsByKind[kind] = n
	}
	if h := histograms(&res.Counts); h != nil && rep.Segment != nil {
		rep.Segment.Histograms = *h
	} else if h != nil {
		if !res.Open {
			h.LatencyUncorrected = "" // the closed model's is its latency's
		}
		rep.Histograms = h
	}
	rep.Warnings = append(rep.Warnings, loadWarnings(res, insecure)...)
}

// loadWarnings are the load's non-fatal problems: figures to read with
// care, and what to try when every request failed TLS verification
// without insecure (most often a self-signed certificate).
func loadWarnings(res *loadgen.Result, insecure bool) []string {
	var ws []string
	if n := res.Latency.TotalCount(); n > 0 && n < minForP999 {
		ws = append(ws, fmt.Sprintf("only %d responses timed: p999 is close to the maximum", n))
	}
	switch {
	case res.Dropped > 0 && res.Interrupted:
		ws = append(ws, fmt.Sprintf("%d scheduled requests had not started when the run was cut short", res.Dropped))
	case res.Dropped > 0:
		ws = append(ws, fmt.Sprintf("%d scheduled requests never started: the target (or the -c cap of %d) could not keep up with the rate", res.Dropped, res.Concurrency))
	}
	if n := res.Kinds[loadgen.KindFDLimit.String()]; n > 0 {
		ws = append(ws, fmt.Sprintf("%d requests found no file descriptor for a connection (fd_limit): strain reached its open-file limit; raise it (ulimit -n 65536) or lower -c", n))
	}
	if n := res.Kinds[loadgen.KindTLS.String()]; n > 0 && n >= res.Requests && !insecure {
		ws = append(ws, fmt.Sprintf("every request (%d) failed TLS: a self-signed or untrusted certificate? --insecure skips verification", res.Requests))
	}
	if res.Open && res.Requests > 0 && float64(res.Late) > 0.01*float64(res.Requests) {
		ws = append(ws, fmt.Sprintf("%d requests started more than %v late: the corrected latency includes that wait", res.Late, loadgen.LateAfter))
	}
	return ws
}

// summarizeRuntimes adds NAME.min|mean|max|last of every runtime metric
// (strain's and the targets') in the series.
func summarizeRuntimes(rep *report.Report) {
	seen := map[string]bool{}
	var names []string
	for _, p := range rep.Series {
		for k := range p.Metrics {
			if !seen[k] && metric.Parse(k).Scope.Kind != metric.Load {
				seen[k] = true
				names = append(names, k)
			}
		}
	}
	rep.Summarize(names...)
}

// alertReport is a rule's transition as the report lists it.
func alertReport(ev alert.Event, t float64) report.Alert {
	return report.Alert{Time: ev.Time, T: t, Rule: ev.Rule.Text, Metric: ev.Rule.Metric, State: string(ev.State),
		Severity: string(ev.Rule.Severity), Value: ev.Value, Shown: metric.Format(ev.Rule.Metric, ev.Value)}
}

// eventLine is how an alert's transition reads as a line of the log.
func eventLine(a report.Alert) string {
	return fmt.Sprintf("%6.1fs  %-8s %-8s %s  (%s)", a.T, strings.ToUpper(a.State), a.Severity, a.Rule, a.Shown)
}
