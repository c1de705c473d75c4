// Command faults serves one HTTP service with one known fault, exposing
// what it knows about itself through one chosen source set, as ground truth
// for scoring strain's automatic diagnosis (scripts/accuracy.sh).
//
//	go run ./scripts/faults -fault lock -sources prom+pprof -addr 127.0.0.1:0 -d 60s
//
// It prints "listening ADDR" once it accepts connections and exits after -d,
// or on SIGINT or SIGTERM. "/" is the path under load; the source set adds
// its endpoints beside it:
//
//	vitals      /debug/strain (strain's runtime endpoint) and /debug/pprof/
//	prom        /metrics (client_golang's default registry: go_* and process_*)
//	prom+pprof  /metrics and /debug/pprof/
//	pprof       /debug/pprof/
//	none        nothing: strain watches it by pid
//
// The faults, each caused by one named function (truth.json says which, and
// the finding kind a correct diagnosis reports):
//
//	healthy   no fault, about half a millisecond of CPU a request
//	lock      every request hashes for 2 ms under one global mutex
//	cpuhog    from 5 s on, 8 s of every 12 s, more goroutines than cores burn CPU
//	leak      every request leaves a goroutine blocked for good
//	heapgrow  every request adds 16 KiB to a cache that never evicts
//	gcchurn   every request builds and drops 3 MiB of small linked nodes, GOGC=25
//	slowdep   every request waits for one of 2 connections to a 50 ms dependency
//	stall     from 5 s on, 4 s of every 15 s, every request waits at a shut gate
//
// The faults are written from what each is in a Go service, apart from the
// rules that judge them.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	var usage usageError
	switch {
	case errors.Is(err, flag.ErrHelp):
	case errors.As(err, &usage):
		fmt.Fprintln(os.Stderr, "faults:", err)
		os.Exit(2)
	case err != nil:
		fmt.Fprintln(os.Stderr, "faults:", err)
		os.Exit(1)
	}
}

// usageError is a mistake in the command line.
type usageError struct{ error }

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("faults", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fault := fs.String("fault", "healthy", fmt.Sprintf("the fault to serve: one of %v", faultNames))
	sources := fs.String("sources", "vitals", fmt.Sprintf("what the service serves about itself: one of %v", sourceSets))
	addr := fs.String("addr", "127.0.0.1:0", "address to listen on")
	dur := fs.Duration("d", time.Minute, "exit after this long")
	procs := fs.Int("gomaxprocs", 0, "GOMAXPROCS for the service (0: leave it)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		// The flag package has printed the error and the usage.
		os.Exit(2)
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("unexpected argument %q", fs.Arg(0))}
	}
	if *procs < 0 {
		return usageError{fmt.Errorf("-gomaxprocs %d: want 0 or more", *procs)}
	}
	svc, err := newService(*fault, defaultConfig)
	if err != nil {
		return usageError{err}
	}
	mux, err := newMux(*sources, svc)
	if err != nil {
		return usageError{err}
	}
	if *procs > 0 {
		runtime.GOMAXPROCS(*procs)
	}
	ctx, cancel := context.WithTimeout(ctx, *dur)
	defer cancel()
	return serve(ctx, *addr, mux, svc, stdout)
}

// serve starts svc's background work, serves h on addr until ctx ends, then
// stops both.
func serve(ctx context.Context, addr string, h http.Handler, svc *service, stdout io.Writer) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	if svc.start != nil {
		bg, stop := context.WithCancel(ctx)
		wait := svc.start(bg)
		defer wait()
		defer stop()
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintln(stdout, "listening", ln.Addr())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	// Requests held by the fault (a shut gate, a queue) are cut off after a
	// moment: the service is stopping, not draining.
	shut, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := srv.Shutdown(shut); err != nil {
		srv.Close()
	}
	return nil
}
