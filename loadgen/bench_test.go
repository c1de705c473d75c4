package loadgen

import (
	"context"
	"net/http"
	"net/http/httptest"
	"runtime"
	"runtime/metrics"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/strain-dev/strain/internal/loadtest"
	"github.com/strain-dev/strain/loadgen/send"
)

// BenchmarkEngineClosed measures the whole path (send, read, record)
// against a local net/http server: req/s and allocations per request, the
// server's included.
func BenchmarkEngineClosed(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("hello\n")) }))
	defer srv.Close()
	for _, p := range paths {
		b.Run(p.name, func(b *testing.B) {
			benchEngine(b, p.on(Config{Targets: []Target{{URL: srv.URL}}, Concurrency: 8}))
		})
	}
}

// BenchmarkEngineClosedRaw is BenchmarkEngineClosed against a responder
// that allocates nothing, so that allocs/op are the client's alone.
func BenchmarkEngineClosedRaw(b *testing.B) {
	url := loadtest.CannedResponder(b)
	for _, p := range paths {
		b.Run(p.name, func(b *testing.B) {
			benchEngine(b, p.on(Config{Targets: []Target{{URL: url}}, Concurrency: 8}))
		})
	}
}

// benchEngine runs cfg for b.N requests in one interval and reports req/s.
func benchEngine(b *testing.B, cfg Config) {
	cfg.Requests, cfg.Interval = int64(b.N), time.Hour
	e, err := newEngine(cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for range e.Start(context.Background()) {
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
	if res := e.Result(); res.Errors != 0 || res.Requests != int64(b.N) {
		b.Fatalf("requests %d errors %v", res.Requests, res.Kinds)
	}
}

// BenchmarkEngineOverhead is the engine's own cost per request in the
// closed model, transport aside: requests answered at once by instantSender.
func BenchmarkEngineOverhead(b *testing.B) {
	e, err := newEngine(Config{Targets: []Target{{URL: "http://127.0.0.1:1/"}}, Concurrency: 8, Requests: int64(b.N), Interval: time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	e.newSender = func(context.Context) send.Sender { return instantSender{} }
	b.ReportAllocs()
	b.ResetTimer()
	for range e.Start(context.Background()) {
	}
	if res := e.Result(); res.Requests != int64(b.N) {
		b.Fatalf("requests %d, want %d", res.Requests, b.N)
	}
}

// BenchmarkPacer runs the open model at 20k req/s and reports how late
// requests were sent after their intended start, in µs, by percentile: the
// generator's own lag, which ends up in every corrected latency. In
// /instant the requests take no time at all (a sender that answers at
// once), which leaves the pacer and the hand-off to workers alone; in
// /wire and /nethttp they go to the canned responder in a process of its
// own, as a target would be.
func BenchmarkPacer(b *testing.B) {
	b.Run("instant", func(b *testing.B) {
		benchPacer(b, Config{Targets: []Target{{URL: "http://127.0.0.1:1/"}}}, func(context.Context) send.Sender { return instantSender{} })
	})
	url := cannedProcess(b)
	for _, p := range paths {
		b.Run(p.name, func(b *testing.B) {
			benchPacer(b, p.on(Config{Targets: []Target{{URL: url}}}), nil)
		})
	}
}

// benchPacer runs cfg's open model for b.N requests, through newSender's
// senders if it is not nil, and reports the lag.
func benchPacer(b *testing.B, cfg Config, newSender func(context.Context) send.Sender) {
	const rate = 20000
	cfg.Rate, cfg.Requests, cfg.Interval = rate, int64(b.N), time.Hour
	e, err := newEngine(cfg)
	if err != nil {
		b.Fatal(err)
	}
	if newSender != nil {
		e.newSender = newSender
	}
	lags := make([]time.Duration, b.N)
	var next atomic.Int64
	e.sentHook = func(intended, sent time.Time) { lags[next.Add(1)-1] = sent.Sub(intended) }
	b.ReportAllocs()
	b.ResetTimer()
	for range e.Start(context.Background()) {
	}
	b.StopTimer()
	slices.Sort(lags)
	for _, q := range []struct {
		name string
		at   float64
	}{{"p50", 0.50}, {"p99", 0.99}, {"p999", 0.999}, {"max", 1}} {
		i := min(int(q.at*float64(len(lags))), len(lags)-1)
		b.ReportMetric(float64(lags[i])/1e3, "lag-"+q.name+"-µs")
	}
	res := e.Result()
	b.ReportMetric(float64(res.Late)/float64(b.N)*100, "late-%")
	if res.Requests != int64(b.N) || res.Errors != 0 {
		b.Fatalf("requests %d errors %v", res.Requests, res.Kinds)
	}
}

// BenchmarkConnMemory reports the memory the engine holds per connection
// in a closed-model run, heap and stacks apart: with 1010 workers, less
// with 10, over 1000, at the run's peak. The responder runs in a process
// of its own, so that none of its memory is counted.
func BenchmarkConnMemory(b *testing.B) {
	url := cannedProcess(b)
	for _, p := range paths {
		b.Run(p.name, func(b *testing.B) {
			var heap, stack float64
			for b.Loop() {
				small := peakMemory(b, p.on(Config{Targets: []Target{{URL: url}}, Concurrency: 10}))
				big := peakMemory(b, p.on(Config{Targets: []Target{{URL: url}}, Concurrency: 1010}))
				heap = (float64(big.HeapInuse) - float64(small.HeapInuse)) / 1000
				stack = (float64(big.StackInuse) - float64(small.StackInuse)) / 1000
			}
			b.ReportMetric(heap+stack, "B/conn")
			b.ReportMetric(heap, "heap-B/conn")
			b.ReportMetric(stack, "stack-B/conn")
		})
	}
}

// peakMemory runs cfg for a second and returns the runtime's memory
// statistics, after a collection, at the interval when heap and stacks in
// use were largest.
func peakMemory(b *testing.B, cfg Config) runtime.MemStats {
	cfg.Duration, cfg.Interval = time.Second, 200*time.Millisecond
	e, err := newEngine(cfg)
	if err != nil {
		b.Fatal(err)
	}
	var peak, ms runtime.MemStats
	for range e.Start(context.Background()) {
		runtime.GC()
		runtime.ReadMemStats(&ms)
		if ms.HeapInuse+ms.StackInuse > peak.HeapInuse+peak.StackInuse {
			peak = ms
		}
	}
	if res := e.Result(); res.Errors != 0 {
		b.Fatalf("errors %v", res.Kinds)
	}
	return peak
}

// BenchmarkLongRun runs b.N requests in 100 ms intervals, reads the
// process's memory (all of the runtime's classes) at each, and reports the
// peak of the run's second half less the peak of its first: flat means 0
// or close to it, growth means something accumulates per request. Run it
// long: -benchtime=20000000x.
func BenchmarkLongRun(b *testing.B) {
	e, err := newEngine(Config{Targets: []Target{{URL: loadtest.CannedResponder(b)}}, Concurrency: 50, Requests: int64(b.N), Interval: 100 * time.Millisecond})
	if err != nil {
		b.Fatal(err)
	}
	sample := []metrics.Sample{{Name: "/memory/classes/total:bytes"}}
	var mem []float64
	b.ReportAllocs()
	for range e.Start(context.Background()) {
		metrics.Read(sample)
		mem = append(mem, float64(sample[0].Value.Uint64()))
	}
	if len(mem) < 2 {
		return // too short to have halves
	}
	first, second := slices.Max(mem[:len(mem)/2]), slices.Max(mem[len(mem)/2:])
	b.ReportMetric(second-first, "mem-growth-B")
	b.ReportMetric(second, "mem-B")
}

// BenchmarkRecord is the cost of recording one result, the part of every
// request the recorder adds to the worker.
func BenchmarkRecord(b *testing.B) {
	rec := newRecorder(2 * runtime.GOMAXPROCS(0))
	now := time.Now()
	r := result{intended: now, sent: now, done: now.Add(250 * time.Microsecond), status: 200, bytesIn: 6}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		id := 0
		for pb.Next() {
			rec.record(id, &r)
			id++
		}
	})
}

// BenchmarkCollect is the collector's cost per interval, with full shards.
func BenchmarkCollect(b *testing.B) {
	rec := newRecorder(2 * runtime.GOMAXPROCS(0))
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		for i := range 1000 {
			rec.record(i, &result{intended: now, sent: now, done: now.Add(time.Duration(i) * time.Microsecond), status: 200})
		}
		rec.collect()
	}
}

// BenchmarkPacerHitTime is the schedule's cost per request.
func BenchmarkPacerHitTime(b *testing.B) {
	p := Profile{Start: 100, Stages: []Stage{{time.Minute, 20000}, {time.Minute, 20000}}}
	var n float64
	for b.Loop() {
		p.HitTime(n)
		n++
	}
}
