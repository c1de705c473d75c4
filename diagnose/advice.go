package diagnose

import (
	"github.com/strain-dev/strain/metric"
	"github.com/strain-dev/strain/report"
)

// The runtimes whose words a finding's next step speaks in.
const (
	goRuntime     = "go"
	pythonRuntime = "python"
	nodeRuntime   = "node"
	loopRuntime   = "loop" // an event loop whose runtime no source named
)

// runtimeOf is what target s runs, as its sources said, or, where none
// said, what its metrics show: an event loop's tasks without goroutines,
// or Go's.
func (t *timeline) runtimeOf(s metric.Scope) string {
	if rt := t.in.Runtimes[s.String()]; rt == goRuntime || rt == pythonRuntime || rt == nodeRuntime {
		return rt
	}
	if t.eventLoop(s) {
		return loopRuntime
	}
	return goRuntime
}

// advice is the next step for a finding of kind on target s, in its
// runtime's own words: an asyncio or Node service has an event loop, tasks
// and executors or worker threads, not GOMAXPROCS and goroutine dumps.
func (t *timeline) advice(s metric.Scope, kind report.Kind) string {
	rt := t.runtimeOf(s)
	if a, ok := advices[rt][kind]; ok {
		return a
	}
	if rt != goRuntime {
		if a, ok := advices[loopRuntime][kind]; ok {
			return a
		}
	}
	return advices[goRuntime][kind]
}

// advices are the next steps, by runtime and kind.
var advices = map[string]map[report.Kind]string{
	goRuntime: {
		report.Starvation:   "The CPU profile's top functions are what keeps the cores busy: make them cheaper or take them off the request path, or give the service more cores (GOMAXPROCS, its CPU limit).",
		report.Blocking:     "The goroutine dump shows where the handlers wait: a lock, a slow dependency, a small pool, I/O; if nowhere, GOMAXPROCS may be too small.",
		report.Contention:   "The stacks that waited name the lock and the code around it: hold it for less, shard it, or keep it off the hot path (a mutex profile, with runtime.SetMutexProfileFraction, names who held it).",
		report.Leak:         "The stacks that grew between the goroutine dumps are the leak: give each a way to end (a context, a closed channel, a timeout).",
		report.MemoryGrowth: "The heap profile's top functions hold the memory: find what keeps it reachable (a cache without bound, a growing slice or map, goroutines that hold it).",
		report.GCPressure:   "The allocation profile's top functions make the garbage: allocate less per request (reuse buffers, sync.Pool), or give the GC room (GOGC, GOMEMLIMIT).",
	},
	loopRuntime: {
		report.Starvation:   "The loop's CPU profile shows what keeps it busy: make that work cheaper, or move it off the loop (an executor, a worker thread or process).",
		report.Blocking:     "Move what held the loop off it (an executor or a worker thread, or its async form); the blocking capture of strain's agent names the function.",
		report.Leak:         "The tasks that grew between the task dumps are the leak: give each a way to end (a timeout, a cancellation, a bounded queue).",
		report.MemoryGrowth: "Find what keeps the memory reachable: a cache without bound, a growing list or map, tasks that hold it.",
		report.GCPressure:   "The service allocates faster than its collector keeps up: allocate less per request, or give the heap room.",
	},
	pythonRuntime: {
		report.Starvation:   "The loop's CPU profile shows what keeps it busy: make that work cheaper, or move it off the loop (loop.run_in_executor, a ProcessPoolExecutor for CPU-bound work).",
		report.Blocking:     "Move what held the loop off it (asyncio.to_thread, loop.run_in_executor, or the call's async form); the blocking capture of strain's Python agent names the function.",
		report.MemoryGrowth: "tracemalloc's top lines show what holds the memory: a cache without bound, a growing list or dict, tasks that hold it.",
	},
	nodeRuntime: {
		report.Starvation:   "The CPU profile shows what keeps the loop busy: make it cheaper, or move it to a worker_threads Worker.",
		report.Blocking:     "Move what held the loop off it (a worker_threads Worker, or the call's asynchronous form instead of its *Sync one); the CPU profile over the blocked span names the function.",
		report.Leak:         "The handles that grew are the leak (timers, sockets): clear each timer and close each socket when its work ends.",
		report.MemoryGrowth: "A heap snapshot or the sampling heap profile shows what holds the memory: a cache without bound, listeners never removed, closures kept alive.",
		report.GCPressure:   "Allocate less per request, or give V8's heap room (--max-old-space-size).",
	},
}

// judgedBy says, for a kind a target's sources could not judge, what
// would judge it, in its runtime's words.
func (t *timeline) judgedBy(s metric.Scope, kind report.Kind) string {
	if rt := t.runtimeOf(s); rt != goRuntime {
		switch kind {
		case report.Contention:
			return "" // an event loop has no locks to wait on
		case report.Starvation, report.Blocking:
			return "a loop-lag source (strain's agent for " + rt + ")"
		}
		return "strain's agent for " + rt
	}
	switch kind {
	case report.Contention:
		return "net/http/pprof (its execution trace shows the time waited on locks) or strain's runtime endpoint"
	case report.Starvation:
		return "net/http/pprof (its execution trace gives the scheduler's latency) or strain's runtime endpoint"
	case report.GCPressure:
		return "client_golang's Go collector on /metrics, net/http/pprof or strain's runtime endpoint"
	case report.Leak:
		return "net/http/pprof, client_golang's Go collector on /metrics or strain's runtime endpoint"
	}
	return "pid:N, net/http/pprof or strain's runtime endpoint"
}
