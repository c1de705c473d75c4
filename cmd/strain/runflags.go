package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"github.com/strain-dev/strain/internal/exitcode"
	"github.com/strain-dev/strain/loadgen"
	"github.com/strain-dev/strain/loadgen/grpc"
)

// runFlags are strain run's flags, turned into a loadgen.Config by config.
type runFlags struct {
	load                      loadgen.Config  // the flags that are its fields as they are
	req                       loadgen.Request // -m, -H, --body, --body-file, -f
	duration                  time.Duration
	stages, okStatus, maxBody string
	procs                     int
	output                    string
	tui, noTUI                bool
	watch                     []string
	segment, startAt          string
	verdict                   verdictFlags
}

func (f *runFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.IntVarP(&f.load.Concurrency, "concurrency", "c", loadgen.DefaultConcurrency, "requests in flight in the closed model; with -r, the cap on them (1000 unless given)")
	fl.Float64VarP(&f.load.Rate, "rate", "r", 0, "open model: requests started per second, on schedule")
	fl.DurationVarP(&f.duration, "duration", "d", loadgen.DefaultDuration, "how long to run (unbounded when only -n is given)")
	fl.Int64VarP(&f.load.Requests, "requests", "n", 0, "stop after exactly this many requests")
	fl.StringVar(&f.stages, "stages", "", "ramp the concurrency (or the rate, with -r) linearly: 'D:T,D:T,...'")
	fl.StringVarP(&f.req.Method, "method", "m", "GET", "HTTP method")
	fl.StringArrayVarP(&f.req.Header, "header", "H", nil, "request header 'Name: value' (repeatable)")
	fl.StringVar(&f.req.Body, "body", "", "request body")
	fl.StringVar(&f.req.BodyFile, "body-file", "", "read the request body from a file")
	fl.StringVarP(&f.req.TargetsFile, "targets", "f", "", "file of requests to send in turn (format in the README)")
	fl.StringVar(&f.req.DataFile, "data-file", "", "rows for {{row.FIELD}} in URLs, headers and bodies: CSV with a header line, or JSON Lines")
	fl.StringVar(&f.req.DataOrder, "data-order", "", "how requests take the data file's rows: sequential (the default) or random")
	fl.DurationVar(&f.load.Timeout, "timeout", loadgen.DefaultTimeout, "per-request timeout")
	fl.StringVar(&f.okStatus, "ok-status", "", "statuses counted as success, e.g. '200-299,404' (default: below 400); for gRPC, code names besides OK, e.g. 'NOT_FOUND'")
	fl.StringArrayVar(&f.req.Descriptors.ProtoFiles, "proto", nil, "gRPC: a .proto file defining the method (repeatable; default: the server's reflection)")
	fl.StringArrayVar(&f.req.Descriptors.ImportPaths, "import-path", nil, "gRPC: a directory the .proto files and their imports are found in (repeatable)")
	fl.StringVar(&f.maxBody, "max-body", "", fmt.Sprintf("cap on each response body: past it the request fails as body_too_large, e.g. 512KiB, 1MB (default %dMiB)", loadgen.DefaultMaxBody>>20))
	fl.DurationVar(&f.load.Interval, "interval", loadgen.DefaultInterval, "length of one point of the time series")
	fl.BoolVar(&f.load.HTTP2, "http2", false, "HTTP/2 (over TLS, or h2c for http:// URLs): the requests in flight (-c) are streams")
	fl.IntVar(&f.load.Connections, "connections", 0, fmt.Sprintf("with --http2: the connections per host the streams share (default: one per %d streams)", loadgen.DefaultStreamsPerConn))
	fl.BoolVar(&f.load.Insecure, "insecure", false, "skip TLS certificate verification")
	fl.IntVar(&f.procs, "procs", 0, "cores strain's Go code may use at once (default: half of them when every target is on loopback, else all)")
	fl.StringVarP(&f.output, "output", "o", "", "write the JSON report to this file")
	fl.StringVar(&f.segment, "segment", "", "run segment I (from 0) of N of the load: its share of -c, -n and the stages, its turns of -r's schedule; strain merge puts the N reports together")
	fl.StringVar(&f.startAt, "start-at", "", "begin at this time (RFC 3339, e.g. 2026-12-02T12:00:00Z), so that segments start together")
	fl.StringArrayVar(&f.watch, "watch", nil, "a target to monitor besides strain itself: base URL, pid:N, prom:URL[#series,...], pprof:URL, joined by commas, optionally NAME= (repeatable)")
	f.verdict.register(cmd)
	fl.BoolVar(&f.tui, "tui", false, "the live dashboard (on by default when stdout is a terminal)")
	fl.BoolVar(&f.noTUI, "no-tui", false, "no dashboard: progress lines on stderr")
}

// config checks the flags and builds the run's configuration.
func (f *runFlags) config(cmd *cobra.Command, args []string) (loadgen.Config, error) {
	changed := cmd.Flags().Changed
	calls := len(args) > 0 && grpc.IsURL(args[0])
	f.load.HTTP2 = f.load.HTTP2 || calls // gRPC is HTTP/2's
	cfg := f.load
	if err := f.checkNumbers(changed); err != nil {
		return cfg, err
	}
	if cfg.Rate > 0 && !changed("concurrency") {
		cfg.Concurrency = 0 // the open model's own default cap
	}
	if changed("duration") || cfg.Requests == 0 && f.stages == "" {
		cfg.Duration = f.duration
	}
	var err error
	if f.stages != "" {
		if cfg.Stages, err = loadgen.ParseStages(f.stages); err != nil {
			return cfg, fmt.Errorf("--stages: %w", err)
		}
	}
	if f.okStatus != "" {
		if cfg.OKStatus, err = loadgen.ParseOK(f.okStatus, calls); err != nil {
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
	if len(args) == 0 && f.req.TargetsFile == "" {
		return cfg, errors.New("no URL to load: strain run [flags] URL... (or -f FILE)")
	}
	if f.req.Data, err = f.req.ReadData(); err != nil {
		return cfg, err
	}
	cfg.Data = f.req.Data
	if calls {
		f.req.Descriptors.Insecure = cfg.Insecure
		cfg.Targets, err = f.req.Calls(cmd.Context(), args, cfg.Timeout)
	} else {
		cfg.Targets, err = f.req.Targets(args)
	}
	if err != nil {
		return cfg, err
	}
	if f.segment != "" {
		seg, err := loadgen.ParseSegment(f.segment)
		if err != nil {
			return cfg, fmt.Errorf("--segment: %w", err)
		}
		return cfg.Split(seg)
	}
	return cfg, nil
}

// startTime reads --start-at: zero when not given.
func (f *runFlags) startTime() (time.Time, error) {
	if f.startAt == "" {
		return time.Time{}, nil
	}
	at, err := time.Parse(time.RFC3339Nano, f.startAt)
	if err != nil {
		return at, fmt.Errorf("--start-at %q: want a time such as 2026-12-02T12:00:00Z", f.startAt)
	}
	return at, nil
}

func (f *runFlags) checkNumbers(changed func(string) bool) error {
	switch {
	case f.load.Concurrency < 1:
		return fmt.Errorf("-c %d: concurrency must be at least 1", f.load.Concurrency)
	case !(f.load.Rate >= 0) || changed("rate") && f.load.Rate == 0: // NaN included
		return fmt.Errorf("-r %g: rate must be a positive number of requests per second", f.load.Rate)
	case f.duration <= 0:
		return fmt.Errorf("-d %v: duration must be positive", f.duration)
	case f.load.Requests < 0:
		return fmt.Errorf("-n %d: requests must not be negative", f.load.Requests)
	case changed("requests") && f.load.Requests == 0:
		return errors.New("-n 0: requests must be at least 1 (leave -n out to run for -d)")
	case f.load.Timeout <= 0:
		return fmt.Errorf("--timeout %v: must be positive", f.load.Timeout)
	case f.load.Interval < 10*time.Millisecond:
		return fmt.Errorf("--interval %v: must be at least 10ms", f.load.Interval)
	case f.load.Connections < 0 || f.load.Connections > 0 && !f.load.HTTP2:
		return fmt.Errorf("--connections %d: a positive number of HTTP/2 connections, with --http2", f.load.Connections)
	case f.procs < 0:
		return fmt.Errorf("--procs %d: must be at least 1 (or 0 for the default)", f.procs)
	case f.req.Body != "" && f.req.BodyFile != "":
		return errors.New("--body and --body-file: give one or the other")
	}
	return nil
}

// configErr is config's error with its exit code: a gRPC server that
// could not be reached for its methods cannot be run against; anything
// else is bad usage.
func configErr(err error) error {
	var unreachable *grpc.UnreachableError
	if errors.As(err, &unreachable) {
		return exitcode.CannotRunError(err)
	}
	return exitcode.UsageError(err)
}
