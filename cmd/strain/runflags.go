package main

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"
	"github.com/strain-dev/strain/loadgen"
)

// runFlags are strain run's flags, turned into a loadgen.Config by config.
type runFlags struct {
	concurrency int
	rate        float64
	duration    time.Duration
	requests    int64
	stages      string
	method      string
	headers     []string
	body        string
	bodyFile    string
	targetsFile string
	timeout     time.Duration
	okStatus    string
	maxBody     string
	interval    time.Duration
	http2       bool
	insecure    bool
	procs       int
	output      string
	tui, noTUI  bool
	watch       []string
	verdict     verdictFlags
}

func (f *runFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.IntVarP(&f.concurrency, "concurrency", "c", loadgen.DefaultConcurrency, "requests in flight (closed model), or the cap on them with -r (default 1000 then)")
	fl.Float64VarP(&f.rate, "rate", "r", 0, "open model: requests started per second, on schedule")
	fl.DurationVarP(&f.duration, "duration", "d", loadgen.DefaultDuration, "how long to run (unbounded when only -n is given)")
	fl.Int64VarP(&f.requests, "requests", "n", 0, "stop after exactly this many requests")
	fl.StringVar(&f.stages, "stages", "", "ramp the concurrency (or the rate, with -r) linearly: 'D:T,D:T,...'")
	fl.StringVarP(&f.method, "method", "m", "GET", "HTTP method")
	fl.StringArrayVarP(&f.headers, "header", "H", nil, "request header 'Name: value' (repeatable)")
	fl.StringVar(&f.body, "body", "", "request body")
	fl.StringVar(&f.bodyFile, "body-file", "", "read the request body from a file")
	fl.StringVarP(&f.targetsFile, "targets", "f", "", "file of requests to send in turn (format in the README)")
	fl.DurationVar(&f.timeout, "timeout", loadgen.DefaultTimeout, "per-request timeout")
	fl.StringVar(&f.okStatus, "ok-status", "", "statuses counted as success, e.g. '200-299,404' (default: below 400)")
	fl.StringVar(&f.maxBody, "max-body", "", fmt.Sprintf("cap on each response body: past it the request fails as body_too_large, e.g. 512KiB, 1MB (default %dMiB)", loadgen.DefaultMaxBody>>20))
	fl.DurationVar(&f.interval, "interval", loadgen.DefaultInterval, "length of one point of the time series")
	fl.BoolVar(&f.http2, "http2", false, "HTTP/2 (over TLS, or h2c for http:// URLs)")
	fl.BoolVar(&f.insecure, "insecure", false, "skip TLS certificate verification")
	fl.IntVar(&f.procs, "procs", 0, "cores strain's Go code may use at once (default: half of them when every target is on loopback, else all)")
	fl.StringVarP(&f.output, "output", "o", "", "write the JSON report to this file")
	fl.StringArrayVar(&f.watch, "watch", nil, "a target to monitor besides strain itself: base URL, pid:N, prom:URL[#series,...], pprof:URL, joined by commas, optionally NAME= (repeatable)")
	f.verdict.register(cmd)
	fl.BoolVar(&f.tui, "tui", false, "the live dashboard (on by default when stdout is a terminal)")
	fl.BoolVar(&f.noTUI, "no-tui", false, "no dashboard: progress lines on stderr")
}

// config checks the flags and builds the run's configuration.
func (f *runFlags) config(cmd *cobra.Command, args []string) (loadgen.Config, error) {
	changed := cmd.Flags().Changed
	cfg := loadgen.Config{
		Concurrency: f.concurrency, Rate: f.rate, Requests: f.requests,
		Timeout: f.timeout, Interval: f.interval, HTTP2: f.http2, Insecure: f.insecure,
	}
	if err := f.checkNumbers(changed); err != nil {
		return cfg, err
	}
	if f.rate > 0 && !changed("concurrency") {
		cfg.Concurrency = 0 // the open model's own default cap
	}
	if changed("duration") || f.requests == 0 && f.stages == "" {
		cfg.Duration = f.duration
	}
	var err error
	if f.stages != "" {
		if cfg.Stages, err = loadgen.ParseStages(f.stages); err != nil {
			return cfg, fmt.Errorf("--stages: %w", err)
		}
	}
	if f.okStatus != "" {
		if cfg.OKStatus, err = loadgen.ParseStatusSet(f.okStatus); err != nil {
			return cfg, fmt.Errorf("--ok-status: %w", err)
		}
	}
	if changed("max-body") { // else the engine's default
		if cfg.MaxBody, err = loadgen.ParseSize(f.maxBody); err != nil {
			return cfg, fmt.Errorf("--max-body: %w", err)
		}
		if cfg.MaxBody <= 0 {
			return cfg, fmt.Errorf("--max-body %s: must be positive", f.maxBody)
		}
	}
	cfg.Targets, err = f.targets(args)
	return cfg, err
}

func (f *runFlags) checkNumbers(changed func(string) bool) error {
	switch {
	case f.concurrency < 1:
		return fmt.Errorf("-c %d: concurrency must be at least 1", f.concurrency)
	case f.rate < 0 || changed("rate") && f.rate == 0:
		return fmt.Errorf("-r %g: rate must be a positive number of requests per second", f.rate)
	case f.duration <= 0:
		return fmt.Errorf("-d %v: duration must be positive", f.duration)
	case f.requests < 0:
		return fmt.Errorf("-n %d: requests must not be negative", f.requests)
	case f.timeout <= 0:
		return fmt.Errorf("--timeout %v: must be positive", f.timeout)
	case f.interval < 10*time.Millisecond:
		return fmt.Errorf("--interval %v: must be at least 10ms", f.interval)
	case f.procs < 0:
		return fmt.Errorf("--procs %d: must be at least 1 (or 0 for the default)", f.procs)
	case f.body != "" && f.bodyFile != "":
		return errors.New("--body and --body-file: give one or the other")
	}
	return nil
}

// targets builds the requests from the URLs and the targets file.
func (f *runFlags) targets(args []string) ([]loadgen.Target, error) {
	if len(args) == 0 && f.targetsFile == "" {
		return nil, errors.New("no URL to load: strain run [flags] URL... (or -f FILE)")
	}
	body, err := f.readBody()
	if err != nil {
		return nil, err
	}
	var targets []loadgen.Target
	for _, raw := range args {
		if _, err := loadgen.ParseURL(raw); err != nil {
			return nil, err
		}
		t := loadgen.Target{Method: f.method, URL: raw, Header: map[string][]string{}, Body: body}
		for _, h := range f.headers {
			name, value, err := loadgen.ParseHeader(h)
			if err != nil {
				return nil, fmt.Errorf("-H: %w", err)
			}
			t.Header[name] = append(t.Header[name], value)
		}
		targets = append(targets, t)
	}
	if f.targetsFile != "" {
		more, err := loadgen.ReadTargets(f.targetsFile)
		if err != nil {
			return nil, err
		}
		targets = append(targets, more...)
	}
	return targets, nil
}

func (f *runFlags) readBody() ([]byte, error) {
	if f.bodyFile == "" {
		if f.body == "" {
			return nil, nil
		}
		return []byte(f.body), nil
	}
	b, err := os.ReadFile(f.bodyFile)
	if err != nil {
		return nil, fmt.Errorf("--body-file: %w", err)
	}
	return b, nil
}
