package target

import (
	"fmt"
	"math/bits"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Caps on the per-request parameters of the simple endpoints.
const (
	maxCPUMillis  = 10_000
	maxSlowMillis = 60_000
	maxLockMillis = 10_000
)

// handleOK serves / and /ok: the fast path a load test compares against.
func (s *Server) handleOK(w http.ResponseWriter, _ *http.Request) {
	fmt.Fprint(w, "ok\n")
}

// handleCPU serves /cpu?ms=N.
func (s *Server) handleCPU(w http.ResponseWriter, r *http.Request) {
	ms, err := intParam(r, "ms", 10, 0, maxCPUMillis)
	if err != nil {
		badRequest(w, err.Error())
		return
	}
	burnCPU(time.Duration(ms) * time.Millisecond)
	fmt.Fprintf(w, "burned %dms of cpu\n", ms)
}

// cpuSink keeps burnCPU's result alive so the compiler cannot drop the loop.
var cpuSink atomic.Uint64

// burnCPU spins a hash loop for d. The hashing is inline rather than a call
// into crypto so that a CPU profile puts target.burnCPU itself on top.
//
//go:noinline
func burnCPU(d time.Duration) {
	deadline := time.Now().Add(d)
	h := uint64(0xcbf29ce484222325)
	for {
		for i := uint64(0); i < 1<<14; i++ {
			h ^= i
			h *= 0x100000001b3
			h = bits.RotateLeft64(h, 13)
		}
		if !time.Now().Before(deadline) {
			break
		}
	}
	cpuSink.Store(h)
}

// handleSlow serves /slow?ms=N, a stand-in for a slow dependency.
func (s *Server) handleSlow(w http.ResponseWriter, r *http.Request) {
	ms, err := intParam(r, "ms", 100, 0, maxSlowMillis)
	if err != nil {
		badRequest(w, err.Error())
		return
	}
	timer := time.NewTimer(time.Duration(ms) * time.Millisecond)
	defer timer.Stop()
	select {
	case <-r.Context().Done():
		return // the client gave up; nobody is left to answer
	case <-timer.C:
	}
	fmt.Fprintf(w, "slept %dms\n", ms)
}

// handleLock serves /lock?ms=N.
func (s *Server) handleLock(w http.ResponseWriter, r *http.Request) {
	ms, err := intParam(r, "ms", 5, 0, maxLockMillis)
	if err != nil {
		badRequest(w, err.Error())
		return
	}
	holdLock(&s.lockMu, time.Duration(ms)*time.Millisecond)
	fmt.Fprintf(w, "held lock %dms\n", ms)
}

// holdLock takes the mutex all /lock requests share and sleeps with it
// held, so concurrent requests queue behind one another and the mutex and
// block profiles point at this function.
//
//go:noinline
func holdLock(mu *sync.Mutex, d time.Duration) {
	mu.Lock()
	defer mu.Unlock()
	time.Sleep(d)
}

// handleFail serves /fail?p=P&code=NNN.
func (s *Server) handleFail(w http.ResponseWriter, r *http.Request) {
	p, err := floatParam(r, "p", 0.5, 0, 1)
	if err != nil {
		badRequest(w, err.Error())
		return
	}
	code, err := intParam(r, "code", http.StatusInternalServerError, 400, 599)
	if err != nil {
		badRequest(w, err.Error())
		return
	}
	// Float64 is in [0, 1), so p=0 never fails and p=1 always does.
	if rand.Float64() < p {
		http.Error(w, "injected failure", code)
		return
	}
	fmt.Fprint(w, "ok\n")
}
