package shutdown

import (
	"testing"
	"time"
)

func TestGateFinishesWritesInFlight(t *testing.T) {
	g := NewGate()
	end := g.Begin()
	closed := make(chan struct{})
	g.OnExit(func() error { close(closed); return nil })
	shut := make(chan bool)
	go func() { shut <- g.Shut(time.Minute) }()
	<-closed
	select {
	case <-shut:
		t.Fatal("Shut returned with a write in flight")
	case <-time.After(50 * time.Millisecond):
	}
	began := make(chan struct{})
	go func() { g.Begin(); close(began) }() // blocks for good, as the process would end
	end()
	if !<-shut {
		t.Error("Shut reports a write unfinished")
	}
	select {
	case <-began:
		t.Error("a write began after Shut")
	case <-time.After(50 * time.Millisecond):
	}
}

func TestGateWaitIsBounded(t *testing.T) {
	g := NewGate()
	g.Begin() // never ends
	start := time.Now()
	if g.Shut(20*time.Millisecond) || time.Since(start) > time.Second {
		t.Errorf("Shut waited %v for a write that never ends", time.Since(start))
	}
}

func TestGateRemovedCloserIsNotCalled(t *testing.T) {
	g := NewGate()
	remove := g.OnExit(func() error { t.Error("a removed closer was called"); return nil })
	remove()
	if !g.Shut(time.Second) {
		t.Error("Shut reports a write unfinished with none begun")
	}
}
