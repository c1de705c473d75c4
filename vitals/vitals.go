// Package vitals serves a Go process's runtime vital signs at full
// resolution, for strain to watch while it loads the process:
//
//	mux.Handle("/debug/strain", vitals.Handler())
//
// It reads runtime/metrics, which does not stop the world, and serves every
// bucket of the scheduler-latency and GC-pause histograms, where a
// Prometheus scrape has only powers of ten. Histograms are cumulative since
// the process started; a reader takes the difference between two readings
// (Histogram.Sub) for an interval's percentiles.
//
// A service may also opt in to a flight recorder, which keeps the last
// seconds of execution trace in memory for strain to pull when an alert
// fires (one per process; see StartFlightRecorder):
//
//	vitals.StartFlightRecorder(vitals.FlightConfig{MinAge: 10 * time.Second})
//	mux.Handle("/debug/strain/flight", vitals.FlightHandler())
//
// vitals imports nothing but the standard library, so a service pays only
// for what it mounts.
package vitals

import (
	"encoding/json"
	"math"
	"net/http"
	"runtime"
	"runtime/metrics"
	"sync"
	"time"
)

// Reading is one read of a Go process's runtime.
type Reading struct {
	// Runtime is the runtime read: "go" here; agents for other runtimes
	// serve the same schema with theirs ("python").
	Runtime    string    `json:"runtime,omitempty"`
	Time       time.Time `json:"time"`
	GOMAXPROCS int64     `json:"gomaxprocs"`
	// Goroutines counts as runtime.NumGoroutine does (and the goroutine
	// profile): the program's own. The states count the runtime's few
	// system goroutines too, so they may add up to a little more.
	Goroutines int64 `json:"goroutines"`
	// Tasks is an event loop's tasks, from an agent of another runtime;
	// Go's unit of concurrency is Goroutines.
	Tasks             int64            `json:"tasks,omitempty"`
	GoroutinesByState map[string]int64 `json:"goroutines_by_state"` // runnable, running, waiting, not_in_go
	GoroutinesCreated int64            `json:"goroutines_created"`  // cumulative
	Threads           int64            `json:"threads"`
	HeapLiveBytes     int64            `json:"heap_live_bytes"`    // as of the last GC
	HeapObjectsBytes  int64            `json:"heap_objects_bytes"` // live and not yet swept
	TotalMemoryBytes  int64            `json:"total_memory_bytes"` // mapped by the runtime
	GCCycles          int64            `json:"gc_cycles"`          // cumulative
	MutexWaitSeconds  float64          `json:"mutex_wait_seconds"` // cumulative
	// GCCPUSeconds and UsedCPUSeconds are the runtime's estimates of the
	// CPU time spent on GC and on everything but idling, cumulative; the
	// runtime brings them up to date at each GC, so they compare only
	// with each other.
	GCCPUSeconds   float64 `json:"gc_cpu_seconds"`
	UsedCPUSeconds float64 `json:"used_cpu_seconds"`
	// ProcessCPUSeconds is the CPU time, user and system, the process has
	// used, as the kernel counts it (getrusage); 0 where it cannot say.
	ProcessCPUSeconds float64   `json:"process_cpu_seconds"`
	SchedLatency      Histogram `json:"sched_latency"` // seconds goroutines waited runnable, cumulative
	GCPauses          Histogram `json:"gc_pauses"`     // seconds of stop-the-world for GC, cumulative
}

// The runtime/metrics read for a Reading, in this order.
var names = []string{
	"/sched/gomaxprocs:threads",
	"/sched/goroutines/runnable:goroutines",
	"/sched/goroutines/running:goroutines",
	"/sched/goroutines/waiting:goroutines",
	"/sched/goroutines/not-in-go:goroutines",
	"/sched/goroutines-created:goroutines",
	"/sched/threads/total:threads",
	"/gc/heap/live:bytes",
	"/memory/classes/heap/objects:bytes",
	"/memory/classes/total:bytes",
	"/gc/cycles/total:gc-cycles",
	"/sync/mutex/wait/total:seconds",
	"/sched/latencies:seconds",
	"/sched/pauses/total/gc:seconds",
	"/cpu/classes/gc/total:cpu-seconds",
	"/cpu/classes/total:cpu-seconds",
	"/cpu/classes/idle:cpu-seconds",
}

var states = []string{"runnable", "running", "waiting", "not_in_go"}

// reader reuses one sample slice; metrics.Read fills it in place, so the
// lock keeps two concurrent reads from sharing it.
var reader struct {
	sync.Mutex
	samples []metrics.Sample
}

// Read reads the runtime's vital signs now.
func Read() Reading {
	reader.Lock()
	defer reader.Unlock()
	if reader.samples == nil {
		reader.samples = make([]metrics.Sample, len(names))
		for i, n := range names {
			reader.samples[i].Name = n
		}
	}
	s := reader.samples
	metrics.Read(s)
	r := Reading{
		Runtime:           "go",
		Time:              time.Now(),
		GOMAXPROCS:        u64(s[0]),
		Goroutines:        int64(runtime.NumGoroutine()),
		GoroutinesByState: map[string]int64{},
		GoroutinesCreated: u64(s[5]),
		Threads:           u64(s[6]),
		HeapLiveBytes:     u64(s[7]),
		HeapObjectsBytes:  u64(s[8]),
		TotalMemoryBytes:  u64(s[9]),
		GCCycles:          u64(s[10]),
		MutexWaitSeconds:  f64(s[11]),
		SchedLatency:      histogram(s[12]),
		GCPauses:          histogram(s[13]),
		GCCPUSeconds:      f64(s[14]),
		UsedCPUSeconds:    f64(s[15]) - f64(s[16]),
		ProcessCPUSeconds: processCPUSeconds(),
	}
	for i, st := range states {
		r.GoroutinesByState[st] = u64(s[1+i])
	}
	return r
}

// u64 and f64 read a sample, as zero when this Go does not have it.
func u64(s metrics.Sample) int64 {
	if s.Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return int64(s.Value.Uint64())
}

func f64(s metrics.Sample) float64 {
	if s.Value.Kind() != metrics.KindFloat64 {
		return 0
	}
	return s.Value.Float64()
}

// histogram copies a runtime histogram's non-empty buckets: the runtime
// reuses its slices on the next Read.
func histogram(s metrics.Sample) Histogram {
	if s.Value.Kind() != metrics.KindFloat64Histogram {
		return Histogram{}
	}
	h := s.Value.Float64Histogram()
	var out Histogram
	for i, n := range h.Counts {
		if n == 0 {
			continue
		}
		lo, hi := h.Buckets[i], h.Buckets[i+1]
		// JSON has no infinities: an open-ended bucket is closed at its
		// finite edge.
		if math.IsInf(lo, -1) {
			lo = hi
		}
		if math.IsInf(hi, 1) {
			hi = lo
		}
		out.Buckets = append(out.Buckets, Bucket{Lo: lo, Hi: hi, N: n})
	}
	return out
}

// Handler serves Read as JSON.
func Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		json.NewEncoder(w).Encode(Read())
	})
}
