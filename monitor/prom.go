package monitor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/strain-dev/strain/internal/safe"
	"github.com/strain-dev/strain/metric"
	"github.com/strain-dev/strain/vitals"
)

// promBodyLimit caps a scrape's body. A larger one is a wrong URL or a
// cardinality explosion, and reading it would cost strain the memory and
// CPU it should leave to the target.
const promBodyLimit = 16 << 20

// errPromTooLarge is a body past promBodyLimit.
var errPromTooLarge = errors.New("metrics body exceeds 16 MiB")

// promMaxSeries bounds the samples a scrape parses: at most this many of
// the families strain reads (the runtime's and the process's, and the
// series asked for) and as many of all the others, which count only
// towards restart detection. A Go service exposes a few hundred; a
// million, which fit under promBodyLimit, took 350–520 MB of heap to
// parse, and the load's own latency with it.
const promMaxSeries = 10_000

// promAccept asks for the classic text format, the one promParse reads.
const promAccept = "text/plain;version=0.0.4"

// The Prometheus series that rates, histograms and restarts are read from.
const (
	promCPU          = "process_cpu_seconds_total"
	promSchedLatency = "go_sched_latencies_seconds"
	promGCPauses     = "go_sched_pauses_total_gc_seconds"
	promStartTime    = "process_start_time_seconds"
	promNodeGC       = "nodejs_gc_duration_seconds" // prom-client's GC pauses, by kind
	// client_golang's default Go collector: every stop-the-world pause of
	// the GC (a summary: its sum and count are exact), the bytes allocated,
	// and, where the service asked for the runtime's CPU classes, the GC's.
	promGCDuration = "go_gc_duration_seconds"
	promAllocated  = "go_memstats_alloc_bytes_total"
	promGCCPU      = "go_cpu_classes_gc_total_cpu_seconds_total"
)

// promTasks are the families whose sum is the target's tasks: Node's
// active handles and requests (prom-client's default metrics), its unit of
// concurrency as goroutines are Go's.
var promTasks = []string{"nodejs_active_handles_total", "nodejs_active_requests_total"}

// promGauges are the target metrics read as they are, each from the first
// of its series the scrape has.
var promGauges = []struct {
	metric string
	from   []string
}{
	{"goroutines", []string{"go_goroutines"}},
	{"threads", []string{"go_threads"}},
	// The cores a Go target may use, which its CPU is judged against;
	// client_golang's default collector serves it since v1.20.
	{"gomaxprocs", []string{"go_sched_gomaxprocs_threads"}},
	{"heap", []string{"go_memstats_heap_alloc_bytes", "go_memstats_heap_inuse_bytes", "nodejs_heap_size_used_bytes"}},
	// Node's event-loop lag, as prom-client measures it between scrapes
	// (perf_hooks' monitorEventLoopDelay, 10 ms resolution): how long
	// ready work waited, as Go's scheduler latency is.
	{"sched_latency.p50", []string{"nodejs_eventloop_lag_p50_seconds"}},
	{"sched_latency.p99", []string{"nodejs_eventloop_lag_p99_seconds"}},
	{"sched_latency.max", []string{"nodejs_eventloop_lag_max_seconds"}},
	{"rss", []string{"process_resident_memory_bytes"}},
	{"fds", []string{"process_open_fds"}},
}

// prom scrapes a Prometheus text endpoint. Rates and histogram quantiles
// are differences from the previous good scrape, so the first scrape has
// none of them.
type prom struct {
	url       string
	runtime   string // "go" or "node", from the families the last scrape had
	series    []string
	selectors map[string]Selector // by family: the label sets kept
	wanted    map[string]bool     // the families strain reads: the runtime's, the process's, series
	client    *http.Client
	now       func() time.Time // the clock rates are measured by; tests stop it

	prev     *promState // the last good scrape; nil before the first
	restarts int
	notes    []string                 // what the last scrape left unparsed
	bounds   map[string]metric.Bounds // the last scrape's values read from buckets
}

var (
	_ Source  = (*prom)(nil)
	_ Warner  = (*prom)(nil)
	_ Bounder = (*prom)(nil)
)

// NewProm returns a Source that scrapes the Prometheus text exposition at
// rawURL: the target's goroutines, threads, heap, rss, fds, cpu (percent
// of one core), sched_latency.p50|p99|max and gc_pause.p99 where the
// endpoint has them, restarts (how many times its counters were seen to
// reset), and each of series by its exact family name: a gauge as NAME, a
// counter as NAME (its rate per second), a histogram or summary as
// NAME.p50 and NAME.p99. A series the scrape lacks is left out.
//
// The Go collector's scheduler histograms have buckets a power of ten
// apart: enough to tell microseconds from milliseconds, not for a precise
// p99, which strain's runtime endpoint gives. Every value read from
// buckets comes with its bucket's edges (Bounds).
//
// A nil client means http.DefaultClient; the Sample context bounds each
// scrape.
func NewProm(rawURL string, series []string, client *http.Client) Source {
	return NewPromSpec(PromSpec{URL: rawURL, Series: series}, client)
}

// NewPromSpec is NewProm for a PromSpec: its series, each of which may
// keep only the label sets its selector matches.
func NewPromSpec(ps PromSpec, client *http.Client) Source {
	rawURL, series := ps.URL, ps.Series
	if client == nil {
		client = http.DefaultClient
	}
	wanted := map[string]bool{promCPU: true, promSchedLatency: true, promGCPauses: true, promStartTime: true, promNodeGC: true,
		promGCDuration: true, promAllocated: true, promGCCPU: true}
	for _, name := range promTasks {
		wanted[name] = true
	}
	for _, g := range promGauges {
		for _, name := range g.from {
			wanted[name] = true
		}
	}
	for _, name := range series {
		wanted[name] = true
	}
	return &prom{url: rawURL, series: slices.Clone(series), selectors: ps.Selectors, wanted: wanted, client: client, now: time.Now}
}

// Runtime is the runtime the last scrape's families say: "go" for the Go
// collector's, "node" for prom-client's, "" for neither.
func (p *prom) Runtime() string { return p.runtime }

// Name is "prom:" and the scraped URL.
func (p *prom) Name() string { return "prom:" + p.url }

// Warnings says what the last scrape left unparsed, past promMaxSeries.
func (p *prom) Warnings() []string { return p.notes }

// Bounds are the last scrape's values read from histogram buckets, each
// with the edges of its bucket.
func (p *prom) Bounds() map[string]metric.Bounds { return p.bounds }

// Sample scrapes the endpoint once.
func (p *prom) Sample(ctx context.Context) (Metrics, error) {
	m, err := p.scrape(ctx)
	if err != nil {
		return nil, fmt.Errorf("scrape %s: %w", p.url, err)
	}
	return m, nil
}

// scrape reads and parses the body as it arrives, never more than
// promBodyLimit of it, nor more series than promMaxSeries allows.
func (p *prom) scrape(ctx context.Context) (Metrics, error) {
	resp, err := promGet(ctx, p.client, p.url, promAccept)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	// The target gathers its metrics before it sends the headers: this is
	// the moment its counters were read, as near as the client can tell.
	at := p.now()
	body := &promBodyReader{r: resp.Body, left: promBodyLimit}
	m, err := p.observe(body, at)
	if body.err != nil && body.err != io.EOF {
		// The parser reports a failed read as a parse error; say what it is.
		return nil, fmt.Errorf("read body: %w", body.err)
	}
	return m, err
}

// promBodyReader reads at most left bytes of r and keeps why it stopped.
type promBodyReader struct {
	r    io.Reader
	left int64
	err  error
}

func (b *promBodyReader) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if b.left <= 0 {
		// One byte more tells a body of exactly the limit from a longer one.
		var one [1]byte
		if n, _ := io.ReadFull(b.r, one[:]); n > 0 {
			b.err = errPromTooLarge
		} else {
			b.err = io.EOF
		}
		return 0, b.err
	}
	n, err := b.r.Read(p[:min(int64(len(p)), b.left)])
	b.left -= int64(n)
	b.err = err
	return n, err
}

// promGet GETs rawURL and returns the response if its status is 200 OK.
// The pprof source shares it.
func promGet(ctx context.Context, client *http.Client, rawURL, accept string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Accept", accept)
	resp, err := client.Do(req)
	if err != nil {
		// The caller names the URL already; keep the cause alone.
		if ue, ok := errors.AsType[*url.Error](err); ok {
			err = ue.Err
		}
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		// Drain a little so that a short error page leaves the connection
		// reusable.
		io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
		resp.Body.Close()
		return nil, fmt.Errorf("unexpected status %s", safe.Line(resp.Status, maxStatusLen))
	}
	return resp, nil
}

// observe parses one scrape's body, read at time at, and maps it to
// metrics against the previous scrape. A body that does not parse leaves
// the previous scrape in place, so the next rate spans the gap.
func (p *prom) observe(body io.Reader, at time.Time) (Metrics, error) {
	filter := newPromFilter(body, p.wanted)
	fams, err := promParse(filter)
	if err != nil {
		return nil, fmt.Errorf("parse metrics: %w", err)
	}
	p.notes, p.bounds = filter.notes(), map[string]metric.Bounds{}
	p.selectLabels(fams)
	cur := p.state(fams, at)
	prev := p.prev
	if prev != nil && cur.restarted(prev) {
		p.restarts++
		// A new process: everything it counted is new since the last
		// scrape, so count from zero rather than report negative rates.
		prev = &promState{at: prev.at, zero: true}
	}
	p.prev = cur

	m := Metrics{"restarts": float64(p.restarts)}
	p.readGauges(m, fams)
	switch {
	case fams["go_goroutines"] != nil:
		p.runtime = "go"
	case fams["nodejs_active_handles_total"] != nil || fams["nodejs_eventloop_lag_p99_seconds"] != nil:
		p.runtime = "node"
	}
	if prev != nil {
		p.differences(m, fams, prev, cur)
	}
	for _, name := range p.series {
		if mf := fams[name]; mf != nil {
			p.readGauge(m, mf)
			promReadSummary(m, mf)
		}
	}
	// JSON, which reports are written in, has no NaN or infinities.
	for k, v := range m {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			delete(m, k)
		}
	}
	for k, b := range p.bounds {
		if _, ok := m[k]; !ok || !b.Valid() {
			delete(p.bounds, k)
		}
	}
	return m, nil
}

// promParse parses a text exposition. A body without a single sample is
// an error: it is a wrong URL far more often than an empty registry.
func promParse(body io.Reader) (fams map[string]*dto.MetricFamily, err error) {
	// The parser reads untrusted input; a bug in it must cost one sample,
	// not the run.
	defer func() {
		if r := recover(); r != nil {
			fams, err = nil, fmt.Errorf("parser panicked: %v", r)
		}
	}()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err = parser.TextToMetricFamilies(body)
	if err != nil {
		return nil, err
	}
	if len(fams) == 0 {
		return nil, errors.New("no metrics in body")
	}
	return fams, nil
}

// promState is what a scrape leaves for the next to take differences from.
type promState struct {
	at time.Time
	// zero stands for a process that had counted nothing yet: the one
	// that replaced a restarted target.
	zero      bool
	startTime float64                     // process_start_time_seconds; 0 if absent
	counts    map[string]float64          // each counter, and each histogram's and summary's count, by series
	counters  map[string]float64          // the wanted counter families, summed over label sets
	hists     map[string]vitals.Histogram // the wanted histogram families, cumulative
}

// state keeps from fams what the next scrape needs.
func (p *prom) state(fams map[string]*dto.MetricFamily, at time.Time) *promState {
	s := &promState{
		at:       at,
		counts:   promCounts(fams),
		counters: map[string]float64{},
		hists:    map[string]vitals.Histogram{},
	}
	s.startTime, _ = promSum(fams[promStartTime])
	if sum, count, ok := promSummarySum(fams[promGCDuration]); ok {
		s.counters[promGCDuration+"_sum"], s.counters[promGCDuration+"_count"] = sum, count
	}
	for _, name := range append([]string{promCPU, promSchedLatency, promGCPauses, promNodeGC, promAllocated, promGCCPU}, p.series...) {
		mf := fams[name]
		switch {
		case mf == nil:
			// A nil family reads as a counter; this one is absent.
		case mf.GetType() == dto.MetricType_COUNTER:
			s.counters[name], _ = promSum(mf)
		case mf.GetType() == dto.MetricType_HISTOGRAM:
			s.hists[name] = promHistogram(mf)
		}
	}
	return s
}

// promSummarySum is a summary family's sum and count, added up over its
// label sets.
func promSummarySum(mf *dto.MetricFamily) (sum, count float64, ok bool) {
	if mf.GetType() != dto.MetricType_SUMMARY {
		return 0, 0, false
	}
	for _, s := range mf.GetMetric() {
		sum += s.GetSummary().GetSampleSum()
		count += float64(s.GetSummary().GetSampleCount())
		ok = true
	}
	return sum, count, ok
}

// restarted reports whether the target restarted since prev: its start
// time moved, or a count went down, which a live process never does.
func (s *promState) restarted(prev *promState) bool {
	// Some clients derive the start time from the uptime, which jitters.
	if s.startTime != 0 && prev.startTime != 0 && math.Abs(s.startTime-prev.startTime) > 1 {
		return true
	}
	for k, v := range s.counts {
		if was, ok := prev.counts[k]; ok && v < was {
			return true
		}
	}
	return false
}

// counter is a counter family's sum in s; a zero state has counted
// nothing of everything.
func (s *promState) counter(name string) (float64, bool) {
	if s.zero {
		return 0, true
	}
	v, ok := s.counters[name]
	return v, ok
}

// hist is a histogram family in s, like counter.
func (s *promState) hist(name string) (vitals.Histogram, bool) {
	if s.zero {
		return vitals.Histogram{}, true
	}
	h, ok := s.hists[name]
	return h, ok
}

// promRate is a counter family's increase per second from prev to cur;
// ok is false when either lacks it or no time passed.
func promRate(prev, cur *promState, name string) (float64, bool) {
	was, ok1 := prev.counter(name)
	now, ok2 := cur.counter(name)
	elapsed := cur.at.Sub(prev.at).Seconds()
	if !ok1 || !ok2 || elapsed <= 0 {
		return 0, false
	}
	return max(now-was, 0) / elapsed, true
}

// promDelta is what a histogram family observed from prev to cur; ok is
// false when either lacks it or it observed nothing.
func promDelta(prev, cur *promState, name string) (vitals.Histogram, bool) {
	was, ok1 := prev.hist(name)
	now, ok2 := cur.hist(name)
	if !ok1 || !ok2 {
		return vitals.Histogram{}, false
	}
	d := now.Sub(was)
	return d, d.Count() > 0
}

// promCounts keys every count in fams by its series, for restart
// detection.
func promCounts(fams map[string]*dto.MetricFamily) map[string]float64 {
	counts := map[string]float64{}
	for name, mf := range fams {
		for _, s := range mf.GetMetric() {
			switch mf.GetType() {
			case dto.MetricType_COUNTER:
				counts[promSeriesKey(name, s)] = s.GetCounter().GetValue()
			case dto.MetricType_HISTOGRAM:
				h := s.GetHistogram()
				counts[promSeriesKey(name, s)] = float64(promCount(h.GetSampleCount(), h.GetSampleCountFloat()))
			case dto.MetricType_SUMMARY:
				counts[promSeriesKey(name, s)] = float64(s.GetSummary().GetSampleCount())
			}
		}
	}
	return counts
}

// promSeriesKey names one series of a family, whatever order its labels
// came in.
func promSeriesKey(name string, s *dto.Metric) string {
	labels := make([]string, 0, len(s.GetLabel()))
	for _, l := range s.GetLabel() {
		labels = append(labels, l.GetName()+"\xfe"+l.GetValue())
	}
	slices.Sort(labels)
	return name + "\xff" + strings.Join(labels, "\xff")
}

// promHistogram turns a histogram family's cumulative buckets, summed over
// its label sets bucket by bucket (as sum by (le) does), into per-bucket
// counts. As in histogram_quantile, the first bucket starts at zero and
// the +Inf bucket is closed at the highest finite bound.
func promHistogram(mf *dto.MetricFamily) vitals.Histogram {
	cum := promCumulative(mf)
	bounds := make([]float64, 0, len(cum))
	for ub := range cum {
		bounds = append(bounds, ub)
	}
	slices.Sort(bounds)
	var h vitals.Histogram
	var below uint64
	for i, hi := range bounds {
		lo := min(hi, 0)
		if i > 0 {
			lo = bounds[i-1]
		}
		if math.IsInf(hi, 1) {
			hi = lo
		}
		// Cumulative counts never fall; where a malformed one does, its
		// bucket is read as empty.
		c := max(cum[bounds[i]], below)
		if n := c - below; n > 0 {
			h.Buckets = append(h.Buckets, vitals.Bucket{Lo: lo, Hi: hi, N: n})
		}
		below = c
	}
	return h
}

// promCumulative sums a histogram family's cumulative counts by upper
// bound. A series without a +Inf bucket gets one from its count.
func promCumulative(mf *dto.MetricFamily) map[float64]uint64 {
	cum := map[float64]uint64{}
	inf := math.Inf(1)
	for _, s := range mf.GetMetric() {
		h := s.GetHistogram()
		hasInf := false
		for _, b := range h.GetBucket() {
			ub := b.GetUpperBound()
			// No value is at or below -Inf, and NaN is below or above nothing.
			if math.IsNaN(ub) || math.IsInf(ub, -1) {
				continue
			}
			cum[ub] += promCount(b.GetCumulativeCount(), b.GetCumulativeCountFloat())
			hasInf = hasInf || math.IsInf(ub, 1)
		}
		if !hasInf {
			cum[inf] += promCount(h.GetSampleCount(), h.GetSampleCountFloat())
		}
	}
	return cum
}

// promCount is a histogram's or a bucket's count, which the parser keeps
// as a float, in f, when any count of the histogram is not a whole number.
func promCount(n uint64, f float64) uint64 {
	if f > 0 {
		// Capped where the conversion is still defined; no real count
		// comes near.
		return uint64(min(math.Round(f), 1<<63))
	}
	return n
}
