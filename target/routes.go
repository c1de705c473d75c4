package target

import (
	"net/http"
	"net/http/pprof"

	"github.com/strain-dev/strain/vitals"
)

// routes builds the mux. Demo endpoints go through s.demo, which counts and
// stalls them; /admin/, /metrics and /debug/ bypass it so that an operator
// can always see and end a stall.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	demo := func(pattern, endpoint string, h http.HandlerFunc) {
		mux.Handle(pattern, s.demo(endpoint, h))
	}
	demo("/{$}", "ok", s.handleOK)
	demo("/ok", "ok", s.handleOK)
	demo("/cpu", "cpu", s.handleCPU)
	demo("/slow", "slow", s.handleSlow)
	demo("/leak", "leak", s.handleLeak)
	demo("/leak/reset", "leak", s.handleLeakReset)
	demo("/alloc", "alloc", s.handleAlloc)
	demo("/alloc/reset", "alloc", s.handleAllocReset)
	demo("/cache", "cache", s.handleCache)
	demo("/cache/reset", "cache", s.handleCacheReset)
	demo("/lock", "lock", s.handleLock)
	demo("/hog", "hog", s.handleHog)
	demo("/fail", "fail", s.handleFail)
	demo("/", "other", http.NotFound)

	mux.HandleFunc("/admin/stall", s.handleStall)
	mux.HandleFunc("/admin/", http.NotFound)
	mux.Handle("/metrics", s.metrics.handler())

	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	mux.Handle("/debug/strain", vitals.Handler())
	mux.Handle("/debug/strain/flight", vitals.FlightHandler())
	mux.HandleFunc("/debug/", http.NotFound)
	return mux
}

// demo wraps a demo endpoint: it counts the request the moment it arrives,
// so the count matches what a client sent even if the request then stalls,
// and holds both the start of handling and the response behind any stall.
func (s *Server) demo(endpoint string, h http.HandlerFunc) http.Handler {
	counter := s.metrics.requests.WithLabelValues(endpoint)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.requests.Add(1)
		counter.Inc()
		if err := s.stall.wait(r.Context()); err != nil {
			return // the client gave up; nobody is left to answer
		}
		h(&stallWriter{ResponseWriter: w, stall: &s.stall, r: r}, r)
	})
}
