// Command pathology serves one pathological HTTP service, chosen by -mode,
// as ground truth for strain's automatic diagnosis: each mode has one
// known fault, and the function that causes it has a distinctive name that
// a diagnosis should find in the service's profiles.
//
//	pathology -mode contention -addr 127.0.0.1:18300 -d 60s
//
// Every mode serves "/" (the request handler under load), net/http/pprof at
// /debug/pprof/, and strain's vitals at /debug/strain. Modes:
//
//	healthy     "/" answers "ok" after ~1ms of light work; nothing else
//	cpuhog      burnCPU spins on every core for 8s of every 12s, from 5s on
//	leak        each request starts leakedTask, which blocks forever (up to
//	            -leak-max goroutines, 100000 by default: ~300 MB)
//	contention  "/" holds one global mutex for ~2ms of work (holdGlobalLock)
//	gcchurn     "/" makes ~4 MB of short-lived garbage in 64-byte objects
//	            with pointers (churnGarbage), under GOGC=25
//	slowdep     "/" waits for one of 2 slots of a "pool", then 50ms (callSlowDependency)
//	stall       from 5s on, for 4s of every 15s, stallAllHandlers shuts a gate
//	            and every "/" request waits in waitForGate until it reopens
//
// It prints "listening ADDR" once it accepts connections and stops by
// itself after -d (or on SIGINT/SIGTERM). It is not part of strain and is
// written independently of strain's demo target: scripts/diagnose-accuracy.sh
// loads each mode with strain and scores the findings.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"github.com/strain-dev/strain/vitals"
)

// modes are the services this command can be, in the order the accuracy
// script runs them.
var modes = []string{"healthy", "cpuhog", "leak", "contention", "gcchurn", "slowdep", "stall"}

// scale sizes the pathologies: the command runs fullScale, the tests a
// smaller one with the same shape.
type scale struct {
	Light      time.Duration // the light work of a healthy request
	Warmup     time.Duration // from start to the first burn (cpuhog) or stall
	BurnFor    time.Duration // cpuhog: how long each burn lasts...
	BurnEvery  time.Duration // ...and how often one starts
	StallFor   time.Duration // stall: how long the gate stays shut...
	StallEvery time.Duration // ...and how often it shuts
	LockHold   time.Duration // contention: work done holding the global lock
	Garbage    int           // gcchurn: bytes of garbage per request
	GCPercent  int           // gcchurn: GOGC set at start
	DepSlots   int           // slowdep: the dependency's concurrency
	DepLatency time.Duration // slowdep: the dependency's latency
	LeakMax    int64         // leak: a safety cap on leaked goroutines (0: none)
}

var fullScale = scale{
	Light:      time.Millisecond,
	Warmup:     5 * time.Second,
	BurnFor:    8 * time.Second,
	BurnEvery:  12 * time.Second,
	StallFor:   4 * time.Second,
	StallEvery: 15 * time.Second,
	LockHold:   2 * time.Millisecond,
	Garbage:    4 << 20,
	GCPercent:  25,
	DepSlots:   2,
	DepLatency: 50 * time.Millisecond,
	LeakMax:    100_000,
}

func main() {
	mode := flag.String("mode", "healthy", "the pathology: "+strings.Join(modes, ", "))
	addr := flag.String("addr", "127.0.0.1:18300", "address to listen on (port 0: any free port)")
	dur := flag.Duration("d", 120*time.Second, "stop after this long")
	leakMax := flag.Int64("leak-max", fullScale.LeakMax, "leak: stop leaking after this many goroutines, to bound memory (0: never)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, *dur)
	defer cancel()

	sc := fullScale
	sc.LeakMax = *leakMax
	h, err := newMux(ctx, *mode, time.Now(), sc)
	if err != nil {
		fmt.Fprintln(os.Stderr, "pathology:", err)
		os.Exit(2)
	}
	enableProfiling()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "pathology:", err)
		os.Exit(1)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	fmt.Printf("listening %s mode %s for %s\n", ln.Addr(), *mode, *dur)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case <-ctx.Done():
	case err := <-served:
		fmt.Fprintln(os.Stderr, "pathology:", err)
		os.Exit(1)
	}
	// Stalled and queued requests may never finish on their own: give
	// them a moment, then close their connections.
	sctx, scancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer scancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close()
	}
}

// enableProfiling turns on the mutex and block profiles, which are off by
// default: one mutex contention event in 5, and blocking events of 100µs
// or more (shorter ones in proportion).
func enableProfiling() {
	runtime.SetMutexProfileFraction(5)
	runtime.SetBlockProfileRate(int(100 * time.Microsecond))
}

// newMux builds the service for mode, whose clock starts at start.
// Background pathologies (cpuhog's burns, stall's gate) run until ctx ends;
// gcchurn sets GOGC for the whole process.
func newMux(ctx context.Context, mode string, start time.Time, sc scale) (http.Handler, error) {
	var root http.HandlerFunc
	switch mode {
	case "healthy":
		root = func(w http.ResponseWriter, r *http.Request) {
			lightWork(sc.Light)
			ok(w)
		}
	case "cpuhog":
		go cpuHogCycle(ctx, start, sc)
		root = func(w http.ResponseWriter, r *http.Request) {
			lightWork(sc.Light)
			ok(w)
		}
	case "leak":
		never := make(chan struct{}) // nobody ever sends on it or closes it
		var leaked atomic.Int64
		root = func(w http.ResponseWriter, r *http.Request) {
			if sc.LeakMax <= 0 || leaked.Add(1) <= sc.LeakMax {
				go leakedTask(never)
			}
			lightWork(sc.Light)
			ok(w)
		}
	case "contention":
		root = func(w http.ResponseWriter, r *http.Request) {
			holdGlobalLock(sc.LockHold)
			ok(w)
		}
	case "gcchurn":
		debug.SetGCPercent(sc.GCPercent)
		root = func(w http.ResponseWriter, r *http.Request) {
			churnGarbage(sc.Garbage)
			ok(w)
		}
	case "slowdep":
		pool := make(chan struct{}, sc.DepSlots)
		root = func(w http.ResponseWriter, r *http.Request) {
			if err := callSlowDependency(r.Context(), pool, sc.DepLatency); err != nil {
				http.Error(w, err.Error(), http.StatusServiceUnavailable)
				return
			}
			ok(w)
		}
	case "stall":
		g := newGate()
		go stallCycle(ctx, g, start, sc)
		root = func(w http.ResponseWriter, r *http.Request) {
			if err := waitForGate(r.Context(), g); err != nil {
				http.Error(w, err.Error(), http.StatusServiceUnavailable)
				return
			}
			lightWork(sc.Light)
			ok(w)
		}
	default:
		return nil, fmt.Errorf("%w %q (want one of %s)", errUnknownMode, mode, strings.Join(modes, ", "))
	}

	mux := http.NewServeMux()
	mux.Handle("/{$}", root)
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	mux.Handle("/debug/strain", vitals.Handler())
	return mux, nil
}

func ok(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/plain")
	w.Write([]byte("ok\n"))
}

// sink keeps the compiler from dropping work whose result nobody reads.
var sink atomic.Uint64

// xorshift is one step of a xorshift64 generator: a few cycles of math.
func xorshift(x uint64) uint64 {
	x ^= x << 13
	x ^= x >> 7
	x ^= x << 17
	return x
}

// lightWork is a healthy request's work: a few microseconds of arithmetic
// and a wait of d, as for a fast cache or database.
func lightWork(d time.Duration) {
	x := uint64(time.Now().UnixNano()) | 1
	for range 2000 {
		x = xorshift(x)
	}
	sink.Store(x)
	time.Sleep(d)
}

// sleepUntil waits until t, or returns false if ctx ends first.
func sleepUntil(ctx context.Context, t time.Time) bool {
	timer := time.NewTimer(time.Until(t))
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// cpuHogCycle starts a burn on every core at start+Warmup, and again every
// BurnEvery, each lasting BurnFor.
func cpuHogCycle(ctx context.Context, start time.Time, sc scale) {
	for k := 0; ; k++ {
		on := start.Add(sc.Warmup + time.Duration(k)*sc.BurnEvery)
		if !sleepUntil(ctx, on) {
			return
		}
		off := on.Add(sc.BurnFor)
		var wg sync.WaitGroup
		for range runtime.GOMAXPROCS(0) {
			wg.Go(func() { burnCPU(ctx, off) })
		}
		wg.Wait()
	}
}

// burnCPU is the cpuhog pathology: tight arithmetic until the deadline,
// with nothing to wait on, so it holds its core throughout and every other
// goroutine queues for one.
//
//go:noinline
func burnCPU(ctx context.Context, until time.Time) {
	x := uint64(88172645463325252)
	for ctx.Err() == nil && time.Now().Before(until) {
		for range 1 << 16 {
			x ^= x << 13
			x ^= x >> 7
			x ^= x << 17
		}
	}
	sink.Store(x)
}

// leakedTask is the leak pathology: started by every request, it waits on
// a channel that nobody ever writes, so it never returns.
//
//go:noinline
func leakedTask(never <-chan struct{}) {
	<-never
}

// globalLock is the one lock every contention request takes.
var globalLock sync.Mutex

// holdGlobalLock is the contention pathology: it does its ~d of work while
// holding the global lock, so concurrent requests queue for it.
//
//go:noinline
func holdGlobalLock(d time.Duration) {
	globalLock.Lock()
	t0 := time.Now()
	x := uint64(t0.UnixNano()) | 1
	for time.Since(t0) < d {
		for range 512 {
			x ^= x << 13
			x ^= x >> 7
			x ^= x << 17
		}
	}
	globalLock.Unlock()
	sink.Store(x)
}

// garbageNode is one piece of gcchurn's garbage: small and with a
// pointer, as request-scoped objects (parsed JSON, rows, strings) are, so
// the GC has to trace what is still in flight, not only to sweep it.
type garbageNode struct {
	next    *garbageNode
	payload [56]byte
}

// churnGarbage is the gcchurn pathology: it allocates about n bytes as a
// linked list of small objects, walks it, and drops it all when it
// returns.
//
//go:noinline
func churnGarbage(n int) {
	var head *garbageNode
	for i := range n / int(unsafe.Sizeof(garbageNode{})) {
		head = &garbageNode{next: head}
		head.payload[i%len(head.payload)] = byte(i)
	}
	var sum uint64
	for p := head; p != nil; p = p.next {
		sum += uint64(p.payload[0])
	}
	sink.Store(sum)
}

// callSlowDependency is the slowdep pathology: a call to a dependency that
// takes d and serves len(pool) callers at a time, like a tiny connection
// pool. Callers beyond that wait for a slot.
//
//go:noinline
func callSlowDependency(ctx context.Context, pool chan struct{}, d time.Duration) error {
	select {
	case pool <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-pool }()
	time.Sleep(d)
	return nil
}

// gate is open or shut; requests pass an open gate at once and wait at a
// shut one until it opens.
type gate struct {
	mu   sync.Mutex
	open chan struct{} // closed while the gate is open
}

func newGate() *gate {
	c := make(chan struct{})
	close(c)
	return &gate{open: c}
}

func (g *gate) shut() {
	g.mu.Lock()
	defer g.mu.Unlock()
	select {
	case <-g.open: // open: shut it
		g.open = make(chan struct{})
	default: // already shut
	}
}

func (g *gate) reopen() {
	g.mu.Lock()
	defer g.mu.Unlock()
	select {
	case <-g.open: // already open
	default:
		close(g.open)
	}
}

// waitForGate is where stalled requests wait: it returns when g is open,
// or with the request's error if the client gives up first.
//
//go:noinline
func waitForGate(ctx context.Context, g *gate) error {
	g.mu.Lock()
	open := g.open
	g.mu.Unlock()
	select {
	case <-open:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// stallCycle shuts the gate at start+Warmup, and again every StallEvery,
// for StallFor each time. The gate is left open when ctx ends.
func stallCycle(ctx context.Context, g *gate, start time.Time, sc scale) {
	defer g.reopen()
	for k := 0; ; k++ {
		if !sleepUntil(ctx, start.Add(sc.Warmup+time.Duration(k)*sc.StallEvery)) {
			return
		}
		if !stallAllHandlers(ctx, g, sc.StallFor) {
			return
		}
	}
}

// stallAllHandlers is the stall pathology: it shuts the gate every request
// passes, holds it shut for d, and opens it again. It returns false if ctx
// ended meanwhile.
//
//go:noinline
func stallAllHandlers(ctx context.Context, g *gate, d time.Duration) bool {
	g.shut()
	defer g.reopen()
	return sleepUntil(ctx, time.Now().Add(d))
}

// errUnknownMode is what newMux's error wraps for a mode it does not know.
var errUnknownMode = errors.New("unknown mode")
