package target

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// endpoints are the values of strain_target_requests_total's endpoint label.
var endpoints = []string{"ok", "cpu", "slow", "leak", "alloc", "cache", "lock", "hog", "fail", "other"}

// metrics is a Server's own Prometheus registry. It is never the global
// default registry, which would refuse a second server's collectors.
type metrics struct {
	registry *prometheus.Registry
	requests *prometheus.CounterVec
}

// newMetrics registers the Go and process collectors and the server's own
// metrics. The gauges are read from s at scrape time, so they cannot drift
// from the state they describe.
func newMetrics(s *Server) *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "strain_target_requests_total",
			Help: "Demo-endpoint requests received, counted on arrival before any stall.",
		}, []string{"endpoint"}),
	}
	// Touch every label so each series is exposed, at 0, from the start.
	for _, e := range endpoints {
		m.requests.WithLabelValues(e)
	}
	m.registry.MustRegister(
		// The runtime/metrics rules add to the collector's defaults
		// (go_goroutines, go_memstats_*, go_gc_duration_seconds, ...);
		// the scheduler group brings go_sched_latencies_seconds.
		collectors.NewGoCollector(collectors.WithGoCollectorRuntimeMetrics(
			collectors.MetricsGC, collectors.MetricsMemory, collectors.MetricsScheduler)),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.requests,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "strain_target_leaked_goroutines",
			Help: "Goroutines leaked by /leak and not yet released.",
		}, func() float64 { return float64(s.leaks.current()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "strain_target_retained_bytes",
			Help: "Bytes retained by /alloc and not yet freed.",
		}, func() float64 { return float64(s.store.retained()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "strain_target_cached_bytes",
			Help: "Bytes held by /cache's entries, one per distinct key.",
		}, func() float64 { return float64(s.cache.bytes.Load()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "strain_target_stalled",
			Help: "1 while a stall set by /admin/stall is in force, else 0.",
		}, func() float64 {
			if s.stall.active() {
				return 1
			}
			return 0
		}),
	)
	return m
}

// handler serves the registry. ErrorHandling ContinueOnError keeps a
// failing collector from hiding the rest, and the nil ErrorLog keeps the
// service silent.
func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}
