package vitals

import (
	"bytes"
	"errors"
	"net/http"
	"runtime/trace"
	"strconv"
	"sync"
	"time"
)

// FlightConfig configures the flight recorder. The zero value takes the
// runtime's defaults: about the last 10 seconds, up to about 10 MiB.
type FlightConfig struct {
	// MinAge is how far back the window should reach at least.
	MinAge time.Duration
	// MaxBytes bounds the window's size, a hint that wins over MinAge.
	MaxBytes uint64
}

// ErrFlightRunning is returned by StartFlightRecorder when the flight
// recorder is already running.
var ErrFlightRunning = errors.New("flight recorder already running")

// flight is the process's flight recorder. The runtime allows one
// runtime/trace.FlightRecorder active at a time, so there is one per
// process, not one per handler. The mutex also serialises WriteTo, which
// fails rather than waits when called twice at once.
var flight struct {
	sync.Mutex
	fr *trace.FlightRecorder
}

// StartFlightRecorder keeps the last seconds of this process's execution
// trace in memory, for FlightHandler to serve when something goes wrong.
// It is opt-in: tracing costs a percent or two of CPU while it runs.
//
// A process has one flight recorder (runtime/trace allows one active
// FlightRecorder): a second call returns ErrFlightRunning, and a call while
// other code runs its own FlightRecorder returns the runtime's error. It
// runs happily beside trace.Start, so /debug/pprof/trace still works.
func StartFlightRecorder(cfg FlightConfig) error {
	flight.Lock()
	defer flight.Unlock()
	if flight.fr != nil {
		return ErrFlightRunning
	}
	fr := trace.NewFlightRecorder(trace.FlightRecorderConfig{MinAge: cfg.MinAge, MaxBytes: cfg.MaxBytes})
	if err := fr.Start(); err != nil {
		return err
	}
	flight.fr = fr
	return nil
}

// StopFlightRecorder stops the flight recorder and frees its window. It
// does nothing when none runs.
func StopFlightRecorder() {
	flight.Lock()
	defer flight.Unlock()
	if flight.fr != nil {
		flight.fr.Stop()
		flight.fr = nil
	}
}

// FlightRunning reports whether the flight recorder is running.
func FlightRunning() bool {
	flight.Lock()
	defer flight.Unlock()
	return flight.fr != nil
}

// snapshot returns the flight recorder's window as an execution trace.
func snapshot() ([]byte, error) {
	flight.Lock()
	defer flight.Unlock()
	if flight.fr == nil {
		return nil, errors.New("no flight recorder is running (see vitals.StartFlightRecorder)")
	}
	var buf bytes.Buffer
	if _, err := flight.fr.WriteTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// FlightHandler serves the flight recorder's window, the last seconds of
// execution trace, which `go tool trace` opens as it is; 503 when no
// flight recorder runs. Mount it beside Handler:
//
//	mux.Handle("/debug/strain/flight", vitals.FlightHandler())
func FlightHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The whole window is taken before the first byte goes out, so a
		// failure is a clean 503 rather than a truncated trace.
		b, err := snapshot()
		if err != nil {
			http.Error(w, "flight recorder: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Disposition", `attachment; filename="flight.trace"`)
		w.Header().Set("Content-Length", strconv.Itoa(len(b)))
		w.Header().Set("Cache-Control", "no-store")
		w.Write(b)
	})
}
