package main

import (
	"fmt"
	"net/http"
	"net/http/pprof"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/strain-dev/strain/vitals"
)

// sourceSets are what a service may serve about itself, as services in the
// wild do: strain's runtime endpoint, Prometheus' default registry, pprof,
// or nothing.
var sourceSets = []string{"vitals", "prom", "prom+pprof", "pprof", "none"}

// newMux serves root at "/" (that path only) and the endpoints of the named
// source set; every other path is a 404. Mutex and block profiling stay at
// their default, off, as most services run.
func newMux(sources string, root http.Handler) (*http.ServeMux, error) {
	var prom, pp, strain bool
	switch sources {
	case "vitals":
		strain, pp = true, true
	case "prom":
		prom = true
	case "prom+pprof":
		prom, pp = true, true
	case "pprof":
		pp = true
	case "none":
	default:
		return nil, fmt.Errorf("unknown source set %q (one of %v)", sources, sourceSets)
	}
	mux := http.NewServeMux()
	mux.Handle("/{$}", root)
	if strain {
		mux.Handle("/debug/strain", vitals.Handler())
	}
	if prom {
		mux.Handle("/metrics", promhttp.Handler())
	}
	if pp {
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	}
	return mux, nil
}
