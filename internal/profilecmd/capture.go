package profilecmd

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/strain-dev/strain/internal/shutdown"

	"github.com/strain-dev/strain/internal/exitcode"

	"github.com/spf13/cobra"
	"github.com/strain-dev/strain/internal/redact"
	"github.com/strain-dev/strain/metric"
	"github.com/strain-dev/strain/profiles"
)

// captureFlags are what `strain profile capture` is asked for.
type captureFlags struct {
	profiles.Manual
	snapshots map[profiles.Kind]*bool // --heap, --goroutine...
	dir       string
}

func newCaptureCmd(stdout, stderr io.Writer, exits *shutdown.Gate) *cobra.Command {
	f := captureFlags{snapshots: map[profiles.Kind]*bool{}}
	cmd := &cobra.Command{
		Use:   "capture URL [flags]",
		Short: "Capture profiles and traces from a service's /debug/pprof/",
		Long: `Capture profiles from a Go service: URL is its base URL or its /debug/pprof/
URL. Each kind asked for is captured at once, side by side, and written
under -o with index.json beside the files. --flight pulls the last seconds
of execution trace from the service's flight recorder at
/debug/strain/flight (package vitals). strain's Python agent serves --cpu,
--goroutine (its task dump) and --blocking at its own URL.`,
		Example: `  strain profile capture http://127.0.0.1:8080 --cpu 10s --heap --goroutine
  strain profile capture http://127.0.0.1:8080/debug/pprof/ --trace 2s -o traces`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return exitcode.UsageError(errors.New("strain profile capture URL: give one service URL"))
			}
			return runCapture(cmd.Context(), args[0], f, exits, stdout, stderr)
		},
	}
	fl := cmd.Flags()
	fl.DurationVar(&f.CPU, "cpu", 0, "capture a CPU profile over this long (e.g. 10s)")
	fl.DurationVar(&f.Trace, "trace", 0, "capture an execution trace over this long (e.g. 5s)")
	for _, k := range []struct {
		kind  profiles.Kind
		usage string
	}{
		{profiles.Heap, "capture the heap profile"}, {profiles.Allocs, "capture the allocations profile"},
		{profiles.Goroutine, "capture the goroutine profile"}, {profiles.Mutex, "capture the mutex contention profile"},
		{profiles.Block, "capture the blocking profile"}, {profiles.ThreadCreate, "capture the thread creation profile"},
		{profiles.Flight, "pull the flight recorder's last seconds of execution trace"}, {profiles.Blocking, "capture an event loop's blocked stretches (the Python agent's watchdog, the Node agent's CPU profile of them)"},
	} {
		f.snapshots[k.kind] = fl.Bool(string(k.kind), false, k.usage)
	}
	fl.StringVarP(&f.dir, "output", "o", profiles.DefaultDir, "directory to write to (made if its parent exists)")
	fl.StringVar(&f.Target, "name", "", "the target's name in file names (default: its host:port)")
	fl.StringVar(&f.Reason, "reason", "manual", "why, at the end of file names")
	return cmd
}

// requests turns the flags into capture requests.
func (f captureFlags) requests(url string) ([]profiles.Request, error) {
	if f.CPU < 0 || f.Trace < 0 {
		return nil, errors.New("--cpu and --trace must not be negative")
	}
	m := f.Manual
	m.URL = url
	for _, k := range profiles.Kinds {
		if on := f.snapshots[k]; on != nil && *on {
			m.Snapshots = append(m.Snapshots, k)
		}
	}
	reqs := m.Requests()
	if len(reqs) == 0 {
		return nil, errors.New("nothing to capture: give --cpu D, --trace D, --heap, --allocs, --goroutine, --mutex, --block, --threadcreate or --flight")
	}
	return reqs, nil
}

// runCapture takes the captures, printing each outcome: a written file on
// stdout, a skip or a warning on stderr. Failures end the command with
// exit 3, each named on its own line.
func runCapture(ctx context.Context, url string, f captureFlags, exits *shutdown.Gate, stdout, stderr io.Writer) error {
	if _, _, err := profiles.Endpoints(url); err != nil {
		return exitcode.UsageError(err)
	}
	reqs, err := f.requests(url)
	if err != nil {
		return exitcode.UsageError(err)
	}
	// Every kind asked for is captured: no cooldown, no count cap.
	c, err := profiles.Open(profiles.Config{Dir: f.dir, Cooldown: -1, MaxCaptures: -1})
	if err != nil {
		return exitcode.UsageError(err)
	}
	// A second signal waits for a capture being written: no temporary
	// file is left. Unguarded only once closed.
	defer exits.OnExit(c.Close)()
	defer c.Close()
	for _, r := range reqs {
		if r.Duration > 0 {
			fmt.Fprintf(stderr, "capturing %s for %v from %s\n", r.Kinds[0], r.Duration, redact.URL(url))
		}
	}
	var failed []error
	err = c.Take(ctx, reqs, func(cp profiles.Capture) {
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
	})
	switch {
	case err != nil && ctx.Err() != nil:
		return exitcode.InterruptedError(err)
	case err != nil:
		return exitcode.UsageError(err)
	case len(failed) > 0:
		return exitcode.CannotRunError(errors.Join(failed...))
	}
	return nil
}
