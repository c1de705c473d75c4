// Command strain puts a service under load and shows what the load does to
// its runtime. See the README for usage.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	tuneProcs = true
	ctx, cancel := context.WithCancel(context.Background())
	signals := make(chan os.Signal, 2)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		<-signals
		cancel() // the first signal drains: outputs are written, marked interrupted
		<-signals
		fmt.Fprintln(os.Stderr, "strain: interrupted again, exiting")
		// Outputs already being written are finished (they take
		// milliseconds), so none is left half-written or as a temporary
		// file; none is begun.
		exits.shut(exitWait)
		os.Exit(ExitInterrupted)
	}()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	if err != nil && !isQuiet(err) {
		fmt.Fprintf(os.Stderr, "strain: %v\n", err)
	}
	os.Exit(exitCode(err))
}
