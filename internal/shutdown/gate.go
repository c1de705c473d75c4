// Package shutdown lets a process end at once, on a second signal, without
// leaving a file cut short or a temporary file behind: a Gate finishes the
// files being written, closes what writes in the background, and lets no
// file begin after it.
package shutdown

import (
	"sync"
	"time"
)

// Gate stands between the code that writes files and the process's exit.
// Writers mark what they write with Begin, or register what writes in the
// background with OnExit; Shut, called just before the process exits, waits
// for them. A Gate must be made with NewGate.
type Gate struct {
	mu      sync.Mutex // held from Shut until the process ends
	writing sync.WaitGroup
	next    int
	closers map[int]func() error
}

// NewGate returns an open Gate.
func NewGate() *Gate {
	return &Gate{closers: map[int]func() error{}}
}

// Begin marks files about to be written; call end once they are. After
// Shut it never returns: the process is ending.
func (g *Gate) Begin() (end func()) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.writing.Add(1)
	return g.writing.Done
}

// OnExit has Shut call closeFn, which must end what writes files in the
// background and wait for it; remove undoes it. Call remove only after
// closeFn's own call has returned, or a Shut in between would not wait.
func (g *Gate) OnExit(closeFn func() error) (remove func()) {
	g.mu.Lock()
	defer g.mu.Unlock()
	id := g.next
	g.next++
	g.closers[id] = closeFn
	return func() {
		g.mu.Lock()
		defer g.mu.Unlock()
		delete(g.closers, id)
	}
}

// Shut stops any file from being begun, closes what writes in the
// background and waits for the files being written, for at most wait. It
// reports whether they all finished. It never unlocks: the caller exits.
func (g *Gate) Shut(wait time.Duration) bool {
	g.mu.Lock()
	done := make(chan struct{})
	go func() {
		for _, closeFn := range g.closers {
			closeFn()
		}
		// Safe with Add: Add holds mu, which is held for good now.
		g.writing.Wait()
		close(done)
	}()
	select {
	case <-done:
		return true
	case <-time.After(wait):
		return false
	}
}
