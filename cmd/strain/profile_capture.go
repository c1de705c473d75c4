package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"
	"github.com/strain-dev/strain/metric"
	"github.com/strain-dev/strain/profiles"
)

// captureFlags are what `strain profile capture` is asked for.
type captureFlags struct {
	cpu, trace                     time.Duration
	heap, allocs, goroutine, mutex bool
	block, threadcreate, flight    bool
	dir, name, reason              string
}

func newProfileCaptureCmd(stdout, stderr io.Writer) *cobra.Command {
	var f captureFlags
	cmd := &cobra.Command{
		Use:   "capture URL [flags]",
		Short: "Capture profiles and traces from a service's /debug/pprof/",
		Long: `Capture profiles from a Go service: URL is its base URL or its /debug/pprof/
URL. Each kind asked for is captured at once, side by side, and written
under -o with index.json beside the files. --flight pulls the last seconds
of execution trace from the service's flight recorder at
/debug/strain/flight (package vitals).`,
		Example: `  strain profile capture http://127.0.0.1:8080 --cpu 10s --heap --goroutine
  strain profile capture http://127.0.0.1:8080/debug/pprof/ --trace 2s -o traces`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageErr(errors.New("strain profile capture URL: give one service URL"))
			}
			return runCapture(cmd.Context(), args[0], f, stdout, stderr)
		},
	}
	fl := cmd.Flags()
	fl.DurationVar(&f.cpu, "cpu", 0, "capture a CPU profile over this long (e.g. 10s)")
	fl.DurationVar(&f.trace, "trace", 0, "capture an execution trace over this long (e.g. 5s)")
	fl.BoolVar(&f.heap, "heap", false, "capture the heap profile")
	fl.BoolVar(&f.allocs, "allocs", false, "capture the allocations profile")
	fl.BoolVar(&f.goroutine, "goroutine", false, "capture the goroutine profile")
	fl.BoolVar(&f.mutex, "mutex", false, "capture the mutex contention profile")
	fl.BoolVar(&f.block, "block", false, "capture the blocking profile")
	fl.BoolVar(&f.threadcreate, "threadcreate", false, "capture the thread creation profile")
	fl.BoolVar(&f.flight, "flight", false, "pull the flight recorder's last seconds of execution trace")
	fl.StringVarP(&f.dir, "output", "o", profiles.DefaultDir, "directory to write to (made if its parent exists)")
	fl.StringVar(&f.name, "name", "", "the target's name in file names (default: its host:port)")
	fl.StringVar(&f.reason, "reason", "manual", "why, at the end of file names")
	return cmd
}

// requests turns the flags into capture requests: the timed kinds each
// with its own duration, the snapshots together.
func (f captureFlags) requests(url string) ([]profiles.Request, int, error) {
	if f.cpu < 0 || f.trace < 0 {
		return nil, 0, errors.New("--cpu and --trace must not be negative")
	}
	base := profiles.Request{Target: f.name, URL: url, Reason: f.reason}
	var reqs []profiles.Request
	n := 0
	add := func(d time.Duration, kinds ...profiles.Kind) {
		if len(kinds) > 0 {
			r := base
			r.Kinds, r.Duration = kinds, d
			reqs, n = append(reqs, r), n+len(kinds)
		}
	}
	if f.cpu > 0 {
		add(f.cpu, profiles.CPU)
	}
	if f.trace > 0 {
		add(f.trace, profiles.Trace)
	}
	add(0, f.snapshots()...)
	if n == 0 {
		return nil, 0, errors.New("nothing to capture: give --cpu D, --trace D, --heap, --allocs, --goroutine, --mutex, --block, --threadcreate or --flight")
	}
	return reqs, n, nil
}

func (f captureFlags) snapshots() []profiles.Kind {
	var kinds []profiles.Kind
	for _, k := range []struct {
		on   bool
		kind profiles.Kind
	}{
		{f.heap, profiles.Heap}, {f.allocs, profiles.Allocs}, {f.goroutine, profiles.Goroutine},
		{f.mutex, profiles.Mutex}, {f.block, profiles.Block}, {f.threadcreate, profiles.ThreadCreate},
		{f.flight, profiles.Flight},
	} {
		if k.on {
			kinds = append(kinds, k.kind)
		}
	}
	return kinds
}

func runCapture(ctx context.Context, url string, f captureFlags, stdout, stderr io.Writer) error {
	if _, _, err := profiles.Endpoints(url); err != nil {
		return usageErr(err)
	}
	reqs, n, err := f.requests(url)
	if err != nil {
		return usageErr(err)
	}
	// Every kind asked for is captured: no cooldown, no count cap.
	c, err := profiles.Open(profiles.Config{Dir: f.dir, Cooldown: -1, MaxCaptures: -1})
	if err != nil {
		return usageErr(err)
	}
	// A second signal waits for a capture being written: no temporary
	// file is left. Unguarded only once closed.
	defer exits.onExit(c.Close)()
	defer c.Close()
	for _, r := range reqs {
		if r.Duration > 0 {
			fmt.Fprintf(stderr, "capturing %s for %v from %s\n", r.Kinds[0], r.Duration, url)
		}
		if err := c.Capture(ctx, r); err != nil {
			return usageErr(err)
		}
	}
	return collectCaptures(ctx, c, n, stdout, stderr)
}

// collectCaptures waits for n outcomes, printing each: a written file on
// stdout, a skip or a warning on stderr. Failures end the command with
// exit 3, each named on its own line.
func collectCaptures(ctx context.Context, c *profiles.Capturer, n int, stdout, stderr io.Writer) error {
	var failed []error
	for range n {
		var cp profiles.Capture
		select {
		case cp = <-c.Results():
		case <-ctx.Done():
			c.Close()
			return interruptedErr(ctx.Err())
		}
		switch {
		case cp.Err != nil:
			failed = append(failed, cp.Err)
		case cp.Skipped != "":
			fmt.Fprintf(stderr, "skipped %s: %s\n", cp.Kind, cp.Skipped)
		default:
			fmt.Fprintf(stdout, "%-12s %s  %s\n", cp.Kind, cp.Path, metric.FormatBytes(float64(cp.Bytes)))
			if cp.Warning != "" {
				fmt.Fprintf(stderr, "%s: %s\n", cp.Kind, cp.Warning)
			}
		}
	}
	if len(failed) > 0 {
		return cannotRunErr(errors.Join(failed...))
	}
	return nil
}
