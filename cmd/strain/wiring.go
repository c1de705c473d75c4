package main

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"

	"github.com/strain-dev/strain/loadgen"
	"github.com/strain-dev/strain/report"
)

// minForP999 is the fewest timed responses for which p999 is more than
// just the maximum.
const minForP999 = 1000

// newReport starts the report of a run with cfg.
func newReport(cfg loadgen.Config) *report.Report {
	rep := report.New()
	rep.Load = report.Load{Model: "closed", Concurrency: cfg.Concurrency, Requests: cfg.Requests, Procs: runtime.GOMAXPROCS(0)}
	if cfg.Open() {
		rep.Load.Model, rep.Load.Rate = "open", cfg.Rate
	}
	for _, s := range cfg.Stages {
		rep.Load.Stages = append(rep.Load.Stages, report.Stage{DurationSeconds: s.Duration.Seconds(), Target: s.Target})
	}
	for _, t := range cfg.Targets {
		rep.Load.Targets = append(rep.Load.Targets, t.Method+" "+redact(t.URL))
	}
	return rep
}

// redact hides a URL's password, so credentials never reach a report.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	return u.Redacted()
}

// levelMetric names the load level: the concurrency or the rate asked for.
func levelMetric(open bool) string {
	if open {
		return "rate"
	}
	return "concurrency"
}

// point turns a window into a point of the report's time series.
func point(w *loadgen.Window, open bool) report.Point {
	m := w.Metrics(open)
	m[levelMetric(open)] = w.Level
	return report.Point{T: w.End.Seconds(), Metrics: m}
}

// finishReport puts the whole run's figures and warnings in rep.
func finishReport(rep *report.Report, res *loadgen.Result) {
	rep.Started = res.Started
	rep.DurationSeconds = res.Duration().Seconds()
	rep.Interrupted = res.Interrupted
	rep.Passed = !res.Interrupted
	for k, v := range res.Metrics() {
		rep.Summary[k] = v
	}
	rep.Summarize("throughput", "inflight", "oldest_inflight", levelMetric(res.Open))
	for code, n := range res.Status {
		rep.StatusCodes[strconv.Itoa(code)] = n
	}
	for kind, n := range res.Kinds {
		rep.ErrorsByKind[kind] = n
	}
	rep.Warnings = append(rep.Warnings, warnings(res)...)
}

// warnings are the run's non-fatal problems: figures to read with care.
func warnings(res *loadgen.Result) []string {
	var ws []string
	if n := res.Latency.TotalCount(); n > 0 && n < minForP999 {
		ws = append(ws, fmt.Sprintf("only %d responses timed: p999 is close to the maximum", n))
	}
	if res.Dropped > 0 {
		ws = append(ws, fmt.Sprintf("%d scheduled requests never started: the target (or the -c cap of %d) could not keep up with the rate", res.Dropped, res.Concurrency))
	}
	if res.Open && res.Requests > 0 && float64(res.Late) > 0.01*float64(res.Requests) {
		ws = append(ws, fmt.Sprintf("%d requests started more than %v late: the corrected latency includes that wait", res.Late, loadgen.LateAfter))
	}
	return ws
}

// checkWritable fails on a file path whose directory is missing or cannot
// be written, by creating and removing a file beside it.
func checkWritable(path string) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".strain-check-*")
	if err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	f.Close()
	return os.Remove(f.Name())
}
