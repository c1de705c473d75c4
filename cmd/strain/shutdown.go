package main

import (
	"sync"
	"time"
)

// exitWait bounds how long a second signal waits for the files being
// written: rendering every output of a long run takes well under a second.
const exitWait = 5 * time.Second

// exitGate lets a second signal end the process at once without leaving
// a file cut short or a temporary file behind: the outputs being written
// are finished, the captures being written are closed, and nothing is
// begun after it.
type exitGate struct {
	mu      sync.Mutex // held from shut until the process ends
	writing sync.WaitGroup
	next    int
	closers map[int]func() error
}

// exits is the process's gate; main's second signal shuts it.
var exits = &exitGate{closers: map[int]func() error{}}

// begin marks files about to be written; call end once they are. After
// shut it never returns: the process is ending.
func (g *exitGate) begin() (end func()) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.writing.Add(1)
	return g.writing.Done
}

// onExit has shut call closeFn, which must end what writes files in the
// background and wait for it; remove undoes it. Call remove only after
// closeFn's own call has returned, or a shut in between would not wait.
func (g *exitGate) onExit(closeFn func() error) (remove func()) {
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

// shut stops any file from being begun, closes what writes in the
// background and waits for the files being written, for at most wait. It
// reports whether they all finished. It never unlocks: the caller exits.
func (g *exitGate) shut(wait time.Duration) bool {
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
