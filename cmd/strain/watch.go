package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/strain-dev/strain/monitor"
	"github.com/strain-dev/strain/report"
)

func newWatchCmd(stdout, stderr io.Writer) *cobra.Command {
	var (
		dur      time.Duration
		interval time.Duration
		jsonl    bool
		output   string
		verdict  verdictFlags
	)
	cmd := &cobra.Command{
		Use:   "watch [flags] SPEC...",
		Short: "Monitor targets' runtime without load",
		Long: `Monitor one or more targets (and strain itself) without load: a line per
interval on stderr, or JSON lines on stdout with --jsonl. A SPEC joins
sources of one target with commas — a base URL (its endpoints are found on
their own), pid:N, prom:URL[#series,...], pprof:URL — and may be named:
api=http://127.0.0.1:8080,pid:4242.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageErr(errors.New("nothing to watch: strain watch [flags] SPEC..."))
			}
			if dur < 0 || interval < monitor.MinInterval {
				return usageErr(fmt.Errorf("-d must not be negative and --interval must be at least %v", monitor.MinInterval))
			}
			specs, err := parseSpecs(args)
			if err != nil {
				return usageErr(err)
			}
			j, err := verdict.newJudge(specs, stderr)
			if err != nil {
				return usageErr(err)
			}
			out := verdict.outputs(output)
			if err := out.check(); err != nil {
				return usageErr(err)
			}
			defer j.close(cmd.Context())
			return runWatch(cmd.Context(), specs, j, watchOptions{dur, interval, jsonl}, out, stdout, stderr)
		},
	}
	fl := cmd.Flags()
	fl.DurationVarP(&dur, "duration", "d", 0, "how long to watch (0: until interrupted)")
	fl.DurationVar(&interval, "interval", monitor.DefaultInterval, "sampling interval (at least 100ms)")
	fl.BoolVar(&jsonl, "jsonl", false, "write each interval's metrics as a JSON line on stdout")
	fl.StringVarP(&output, "output", "o", "", "write the JSON report to this file")
	verdict.register(cmd)
	return cmd
}

type watchOptions struct {
	duration, interval time.Duration
	jsonl              bool
}

func runWatch(ctx context.Context, specs []monitor.Spec, j *judge, opt watchOptions, out outputs, stdout, stderr io.Writer) error {
	w := startWatcher(ctx, specs, opt.interval, stderr)
	// -d counts from the first sample, not from the start of discovery.
	start := time.Now()
	runCtx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	if opt.duration > 0 {
		var cancel context.CancelFunc
		runCtx, cancel = context.WithTimeout(runCtx, opt.duration)
		defer cancel()
	}
	rep := report.New()
	rep.Started = start
	rep.Load.Model = "none"
	ticker := time.NewTicker(opt.interval)
	defer ticker.Stop()
	for runCtx.Err() == nil {
		select {
		case <-runCtx.Done():
			continue
		case <-ticker.C:
		}
		p := report.Point{T: time.Since(start).Seconds(), Metrics: map[string]float64{}}
		w.metrics(p.Metrics)
		rep.Series = append(rep.Series, p)
		writeWatchLine(stdout, stderr, &p, opt.jsonl)
		if why := j.observe(time.Now(), nil, &p); why != "" {
			stop(abortRun(stderr, why, p.T))
		}
	}
	rep.DurationSeconds = time.Since(start).Seconds()
	rep.Interrupted = ctx.Err() != nil
	rep.Passed = !rep.Interrupted
	w.finish(rep)
	j.finish(ctx, rep)
	noteAbort(rep, context.Cause(runCtx))
	return writeOutputs(rep, out, io.Discard)
}

// watchLineMetrics are the figures a watch line shows for each target.
var watchLineMetrics = []string{"goroutines", "sched_latency.p99", "cpu", "rss", "heap"}

// writeWatchLine prints one interval: every metric as JSON on stdout, or
// the main figures of each target on stderr.
func writeWatchLine(stdout, stderr io.Writer, p *report.Point, jsonl bool) {
	if jsonl {
		json.NewEncoder(stdout).Encode(p)
		return
	}
	groups := map[string]bool{}
	for k := range p.Metrics {
		groups[metricPrefix(k)] = true
	}
	prefixes := slices.Sorted(maps.Keys(groups))
	fmt.Fprintf(stderr, "%6.1fs", p.T)
	for _, pre := range prefixes {
		fmt.Fprintf(stderr, "  %s", strings.TrimSuffix(pre, "."))
		for _, name := range watchLineMetrics {
			if v, ok := p.Metrics[pre+name]; ok {
				fmt.Fprintf(stderr, " %s %s", name, report.Value(name, v))
			}
		}
	}
	fmt.Fprintln(stderr)
}

// metricPrefix is the target part of a metric name: "self.",
// "target." or "target[NAME]." (NAME may hold dots).
func metricPrefix(name string) string {
	if strings.HasPrefix(name, "target[") {
		if i := strings.Index(name, "]."); i > 0 {
			return name[:i+2]
		}
	}
	if i := strings.Index(name, "."); i > 0 {
		return name[:i+1]
	}
	return ""
}
