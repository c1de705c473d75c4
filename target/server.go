package target

import (
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/strain-dev/strain/vitals"
)

// Options configures a Server. The zero value is ready to use.
type Options struct {
	// ProfileRates turns on mutex and block profiling for the whole process
	// (runtime.SetMutexProfileFraction(5), runtime.SetBlockProfileRate(10000))
	// so that /debug/pprof/mutex and /debug/pprof/block show /lock's
	// contention. Both are process-wide settings that Close does not undo, so
	// they are off unless asked for.
	ProfileRates bool
	// FlightRecorder starts vitals' flight recorder, which keeps the last
	// seconds of execution trace for /debug/strain/flight. There is one per
	// process, started by the first Server that asks and left running by
	// Close, so it too is off unless asked for.
	FlightRecorder bool
}

// Server is the demo service. Its state (leaked goroutines, retained memory,
// hogs, stall, metrics) belongs to the Server, not to the package, so that
// tests can run many servers in one process.
type Server struct {
	requests atomic.Int64
	metrics  *metrics
	stall    stall
	leaks    leaks
	store    store
	cache    cache
	hogs     hogs
	lockMu   sync.Mutex // the one mutex every /lock request fights over
	handler  http.Handler
}

// New returns a Server configured by opts.
func New(opts Options) *Server {
	if opts.ProfileRates {
		runtime.SetMutexProfileFraction(5)
		runtime.SetBlockProfileRate(10000)
	}
	if opts.FlightRecorder {
		// ErrFlightRunning means another Server started it: that is fine.
		vitals.StartFlightRecorder(vitals.FlightConfig{})
	}
	s := &Server{}
	s.stall.init()
	s.leaks.init()
	s.store.init()
	s.cache.init()
	s.hogs.init()
	s.metrics = newMetrics(s)
	s.handler = s.routes()
	return s
}

// Handler returns the http.Handler that serves every endpoint.
func (s *Server) Handler() http.Handler { return s.handler }

// Requests returns how many demo-endpoint requests the server has received:
// the sum of strain_target_requests_total.
func (s *Server) Requests() int64 { return s.requests.Load() }

// Close ends any stall, releases leaked goroutines, frees retained memory and
// stops running hogs, waiting for the hogs to return. The Server stays usable
// afterwards, so Close doubles as a full reset; it is safe to call more than
// once.
func (s *Server) Close() error {
	s.Stall(0)
	s.leaks.reset()
	s.store.reset()
	s.cache.reset()
	s.hogs.stop()
	return nil
}
