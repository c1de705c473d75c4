// Command strain puts a service under load and shows what the load does to
// its runtime. See the README for usage.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"syscall"
	"time"

	"github.com/strain-dev/strain/internal/profilecmd"

	"github.com/strain-dev/strain/internal/exitcode"

	"github.com/spf13/cobra"
	"github.com/strain-dev/strain/internal/shutdown"
	"github.com/strain-dev/strain/loadgen"
)

// exitWait bounds how long a second signal waits for the files being
// written: rendering every output of a long run takes well under a second.
const exitWait = 5 * time.Second

// exits is the process's gate between the files being written and its
// exit; main's second signal shuts it.
var exits = shutdown.NewGate()

func main() {
	tuneProcs = true
	ctx, cancel := context.WithCancel(context.Background())
	signals := make(chan os.Signal, 2)
	// A closed terminal drains as SIGINT does; a closed pipe fails a write.
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	signal.Ignore(syscall.SIGPIPE)
	go func() {
		<-signals
		cancel() // the first signal drains: outputs are written, marked interrupted
		<-signals
		fmt.Fprintln(os.Stderr, "strain: interrupted again, exiting")
		// Outputs already being written are finished (they take
		// milliseconds), so none is left half-written or as a temporary
		// file; none is begun.
		exits.Shut(exitWait)
		os.Exit(exitcode.Interrupted)
	}()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	if err != nil && !exitcode.Quiet(err) {
		fmt.Fprintf(os.Stderr, "strain: %v\n", err)
	}
	os.Exit(exitcode.Of(err))
}

// tuneProcs is set by main. Tests that run strain inside the test binary,
// several at once, leave the process's GOMAXPROCS alone.
var tuneProcs bool

// withProcs runs fn with GOMAXPROCS set to n (the --procs flag), or to
// loadgen's default for cfg when n is 0, and restores it afterwards.
func withProcs(n int, cfg loadgen.Config, fn func() error) error {
	if !tuneProcs {
		return fn()
	}
	if n <= 0 {
		n = loadgen.DefaultProcs(cfg)
	}
	prev := runtime.GOMAXPROCS(n)
	defer runtime.GOMAXPROCS(prev)
	return fn()
}

// run is the whole CLI: main is a shim around it so that tests drive the
// real commands end to end.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	root := &cobra.Command{
		Use:           "strain",
		Short:         "Load a service and watch what the load does to its runtime",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return exitcode.UsageError(err) })
	root.AddCommand(newRunCmd(stdout, stderr), newWatchCmd(stdout, stderr), newTargetCmd(stdout, stderr), newDemoCmd(stdout, stderr))
	root.AddCommand(profilecmd.New(stdout, stderr, exits), newCapacityCmd(stdout, stderr), newMergeCmd(stdout, stderr), newReportCmd(stdout))
	return root.ExecuteContext(ctx)
}
