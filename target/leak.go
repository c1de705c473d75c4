package target

import (
	"fmt"
	"net/http"
	"sync"
)

// maxLeaked caps the goroutines /leak may hold at once, about 2 GiB of stacks
// at worst, so the demo hurts without killing the machine.
const maxLeaked = 1_000_000

// leaks holds the goroutines leaked by /leak. They all block on release,
// which reset closes.
type leaks struct {
	mu      sync.Mutex
	limit   int // maxLeaked; a field so tests can reach it cheaply
	count   int
	release chan struct{}
}

func (l *leaks) init() {
	l.limit = maxLeaked
	l.release = make(chan struct{})
}

// add leaks n more goroutines and returns the new total. It refuses, leaking
// none, when the total would pass the limit.
func (l *leaks) add(n int) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.count+n > l.limit {
		return l.count, fmt.Errorf("leak %d goroutines: %d already leaked, cap is %d", n, l.count, l.limit)
	}
	for range n {
		go leakedWorker(l.release)
	}
	l.count += n
	return l.count, nil
}

// reset releases every leaked goroutine.
func (l *leaks) reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	close(l.release)
	l.release = make(chan struct{})
	l.count = 0
}

func (l *leaks) current() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.count
}

// leakedWorker is what a goroutine profile of a leaking service shows: a
// goroutine parked on a channel nobody will send on (until /leak/reset).
//
//go:noinline
func leakedWorker(release <-chan struct{}) {
	<-release
}

// handleLeak serves /leak?n=N.
func (s *Server) handleLeak(w http.ResponseWriter, r *http.Request) {
	n, err := intParam(r, "n", 1, 0, maxLeaked)
	if err != nil {
		badRequest(w, err.Error())
		return
	}
	total, err := s.leaks.add(n)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInsufficientStorage)
		return
	}
	fmt.Fprintf(w, "leaked %d goroutines, %d in total\n", n, total)
}

// handleLeakReset serves /leak/reset.
func (s *Server) handleLeakReset(w http.ResponseWriter, _ *http.Request) {
	s.leaks.reset()
	fmt.Fprint(w, "leaked 0 goroutines in total\n")
}
