// Package export serves a live strain run for Prometheus to scrape: the
// request and error counters, a latency histogram, every metric of the
// latest interval as a gauge, and the alert rules' states. An Exporter is
// a session.Sink.
package export

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/strain-dev/strain/alert"
	"github.com/strain-dev/strain/report"
	"github.com/strain-dev/strain/session"
)

// latencyBuckets are the exported histogram's upper bounds, in seconds.
var latencyBuckets = prometheus.ExponentialBuckets(100e-6, 2, 18) // 100µs … 13s

// Exporter serves the live run's figures on /metrics: request and error
// counters, a latency histogram, every metric of the latest interval as a
// gauge, and the alert rules' states.
type Exporter struct {
	srv  *http.Server
	addr net.Addr

	mu      sync.Mutex // guards what follows: written per interval, read per scrape
	status  map[string]int64
	kinds   map[string]int64
	buckets []uint64 // per latencyBuckets, not cumulative
	count   uint64
	sum     float64
	latest  map[string]float64
	alerts  []alert.Status
	// summable leaves out the gauges that do not add across processes
	// (a segment's: see Summable).
	summable bool
}

// Summable makes e serve only what adds up across the processes of a
// load split into segments, so that Prometheus can sum them over pods:
// the counters, the histogram's buckets, and the gauges that are counts
// or rates; the latest interval's percentiles, error rate and oldest
// request are left out (a merged percentile comes from the summed
// buckets, with histogram_quantile).
func (e *Exporter) Summable() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.summable = true
}

// notSummable says whether a metric of the latest interval does not add
// across processes.
func notSummable(name string) bool {
	return strings.HasPrefix(name, "latency.") || strings.HasPrefix(name, "latency_uncorrected.") ||
		name == "error_rate" || name == "oldest_inflight"
}

var _ session.Finisher = (*Exporter)(nil)

// Listen listens on addr, HOST:PORT (loopback when it names no host), and
// serves until Finish.
func Listen(addr string) (*Exporter, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("--listen %q: want HOST:PORT or :PORT", addr)
	}
	if host == "" {
		host = "127.0.0.1" // loopback unless told otherwise
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(host, port))
	if err != nil {
		return nil, fmt.Errorf("--listen: %w", err)
	}
	e := &Exporter{status: map[string]int64{}, kinds: map[string]int64{}, buckets: make([]uint64, len(latencyBuckets)), addr: ln.Addr()}
	reg := prometheus.NewRegistry()
	reg.MustRegister(e)
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	e.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go e.srv.Serve(ln)
	return e, nil
}

// Addr is the address it serves on.
func (e *Exporter) Addr() net.Addr { return e.addr }

// Finish shuts the listener down, at the end of the run.
func (e *Exporter) Finish(ctx context.Context, _ *report.Report) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := e.srv.Shutdown(ctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		e.srv.Close()
	}
}

// Observe takes one interval: its metrics, the rules' states, the
// session's counts so far, and the window's latencies for the histogram.
func (e *Exporter) Observe(p *session.Point) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.latest, e.alerts, e.status, e.kinds = p.Metrics, p.Alerts, p.Status, p.Errors
	if p.Window != nil {
		e.addLatency(p.Window.Latency)
	}
}

// addLatency files each HDR bar in the first exported bucket that holds it.
func (e *Exporter) addLatency(h *hdr.Histogram) {
	for _, bar := range h.Distribution() {
		if bar.Count == 0 {
			continue
		}
		v := float64(bar.To) / 1e9
		i := sort.SearchFloat64s(latencyBuckets, v)
		if i < len(e.buckets) {
			e.buckets[i] += uint64(bar.Count)
		}
		e.count += uint64(bar.Count)
		e.sum += v * float64(bar.Count)
	}
}

var (
	descRequests = prometheus.NewDesc("strain_requests_total", "Completed requests, by status (0: no response; a gRPC call's by its code's name).", []string{"status"}, nil)
	descErrors   = prometheus.NewDesc("strain_errors_total", "Failed requests, by kind.", []string{"kind"}, nil)
	descLatency  = prometheus.NewDesc("strain_latency_seconds", "Response latency (corrected in the open model).", nil, nil)
	descMetric   = prometheus.NewDesc("strain_metric", "Each metric of the latest interval, by strain's metric name.", []string{"name"}, nil)
	descAlert    = prometheus.NewDesc("strain_alert_state", "Alert rules: 1 pending, 2 firing (absent: inactive).", []string{"rule", "severity"}, nil)
)

// Describe implements prometheus.Collector.
func (e *Exporter) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descRequests, descErrors, descLatency, descMetric, descAlert} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (e *Exporter) Collect(ch chan<- prometheus.Metric) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for code, n := range e.status {
		ch <- prometheus.MustNewConstMetric(descRequests, prometheus.CounterValue, float64(n), code)
	}
	for kind, n := range e.kinds {
		ch <- prometheus.MustNewConstMetric(descErrors, prometheus.CounterValue, float64(n), kind)
	}
	cum, buckets := uint64(0), map[float64]uint64{}
	for i, b := range latencyBuckets {
		cum += e.buckets[i]
		buckets[b] = cum
	}
	ch <- prometheus.MustNewConstHistogram(descLatency, e.count, e.sum, buckets)
	for name, v := range e.latest {
		if !e.summable || !notSummable(name) {
			ch <- prometheus.MustNewConstMetric(descMetric, prometheus.GaugeValue, v, name)
		}
	}
	for _, st := range e.alerts {
		state := 1.0
		if st.State == alert.Firing {
			state = 2
		}
		ch <- prometheus.MustNewConstMetric(descAlert, prometheus.GaugeValue, state, st.Rule.Text, string(st.Rule.Severity))
	}
}
