package loadgen

import (
	"net"
	"net/url"
	"os"
	"runtime"
)

// DefaultProcs is how many threads should run the generator's Go code at
// once (GOMAXPROCS) for cfg when the user does not say: the GOMAXPROCS
// environment variable's value when it is set, and otherwise a share of
// the cores the process may use.
//
// When every target is on this machine, the target needs cores too: a
// generator that takes them all competes with it and with itself (the Go
// runtime wakes a second thread whenever its poller finds more ready
// connections than the running one has taken, and that thread then takes
// the target's core). So a loopback run keeps half the cores, as wrk's
// one-thread-per-core advice does; the open model keeps at least two, one of
// them for the pacer, whose schedule a single P cannot keep at high rates.
// BENCHMARKS.md has the measurements behind both rules.
func DefaultProcs(cfg Config) int {
	all := runtime.GOMAXPROCS(0)
	if os.Getenv("GOMAXPROCS") != "" || !cfg.Loopback() {
		return all
	}
	share := max(1, all/2)
	if cfg.Open() {
		share = max(share, min(2, all))
	}
	return share
}

// Loopback reports whether the config has targets and every one of them is
// on this machine's loopback: localhost or a loopback IP.
func (c Config) Loopback() bool {
	for _, t := range c.Targets {
		u, err := url.Parse(t.URL)
		if err != nil || !isLoopback(u.Hostname()) {
			return false
		}
	}
	return len(c.Targets) > 0
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
