package target

import (
	"fmt"
	"math/bits"
	"net/http"
	"runtime"
	"sync"
	"time"
)

// Caps on /hog, so a hog always ends by itself.
const (
	maxHogMillis = 60_000
	maxHogs      = 1000
)

// hogs tracks running CPU hogs so Close can stop them.
type hogs struct {
	mu   sync.Mutex
	quit chan struct{} // closed by stop
	wg   sync.WaitGroup
}

func (h *hogs) init() { h.quit = make(chan struct{}) }

// start runs g hogs for d.
func (h *hogs) start(g int, d time.Duration) {
	h.mu.Lock()
	defer h.mu.Unlock()
	deadline, quit := time.Now().Add(d), h.quit
	for range g {
		h.wg.Go(func() { hog(deadline, quit) })
	}
}

// stop ends every running hog and waits for them to return. It waits with
// mu held so that no start can Add to the WaitGroup during the Wait.
func (h *hogs) stop() {
	h.mu.Lock()
	defer h.mu.Unlock()
	close(h.quit)
	h.quit = make(chan struct{})
	h.wg.Wait()
}

// hog spins on the CPU without blocking, so it only leaves its P when the
// scheduler preempts it; enough of them drive up scheduling latency for
// every other goroutine. It looks up from the loop about every millisecond
// to notice quit or the deadline.
//
//go:noinline
func hog(deadline time.Time, quit <-chan struct{}) {
	x := uint64(1)
	for {
		for i := 0; i < 1<<18; i++ {
			x = bits.RotateLeft64(x*0x9e3779b97f4a7c15, 7) ^ uint64(i)
		}
		select {
		case <-quit:
			cpuSink.Store(x)
			return
		default:
		}
		if !time.Now().Before(deadline) {
			cpuSink.Store(x)
			return
		}
	}
}

// handleHog serves /hog?ms=N&g=G.
func (s *Server) handleHog(w http.ResponseWriter, r *http.Request) {
	ms, err := intParam(r, "ms", 1000, 0, maxHogMillis)
	if err != nil {
		badRequest(w, err.Error())
		return
	}
	g, err := intParam(r, "g", min(4*runtime.GOMAXPROCS(0), maxHogs), 1, maxHogs)
	if err != nil {
		badRequest(w, err.Error())
		return
	}
	s.hogs.start(g, time.Duration(ms)*time.Millisecond)
	w.WriteHeader(http.StatusAccepted)
	fmt.Fprintf(w, "started %d hogs for %dms\n", g, ms)
}
