package main

import (
	"net"
	"net/url"
	"os"
	"runtime"

	"github.com/strain-dev/strain/loadgen"
)

// procs decides how many threads run strain's Go code at once (GOMAXPROCS)
// for a run: the --procs flag when given (n > 0), the GOMAXPROCS environment
// variable when set, and otherwise a share of the cores strain may use.
//
// When every target is on this machine, the target needs cores too: a
// generator that takes them all competes with it and with itself (the Go
// runtime wakes a second thread whenever its poller finds more ready
// connections than the running one has taken, and that thread then takes
// the target's core). So a loopback run keeps half the cores, as wrk's
// one-thread-per-core advice does; the open model keeps at least two, one of
// them for the pacer, whose schedule a single P cannot keep at high rates.
// BENCHMARKS.md has the measurements behind both rules.
func procs(n int, cfg loadgen.Config) int {
	if n > 0 {
		return n
	}
	all := runtime.GOMAXPROCS(0)
	if os.Getenv("GOMAXPROCS") != "" || !allLoopback(cfg.Targets) {
		return all
	}
	share := max(1, all/2)
	if cfg.Open() {
		share = max(share, min(2, all))
	}
	return share
}

// tuneProcs is set by main. Tests that run strain inside the test binary,
// several at once, leave the process's GOMAXPROCS alone.
var tuneProcs bool

// withProcs runs fn with GOMAXPROCS set to n and restores it afterwards.
func withProcs(n int, fn func() error) error {
	if !tuneProcs {
		return fn()
	}
	prev := runtime.GOMAXPROCS(n)
	defer runtime.GOMAXPROCS(prev)
	return fn()
}

// allLoopback says whether every target's host is this machine's loopback.
func allLoopback(targets []loadgen.Target) bool {
	for _, t := range targets {
		u, err := url.Parse(t.URL)
		if err != nil || !isLoopback(u.Hostname()) {
			return false
		}
	}
	return len(targets) > 0
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
