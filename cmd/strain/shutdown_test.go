package main

import (
	"testing"
	"time"
)

func TestExitGateFinishesWritesInFlight(t *testing.T) {
	g := &exitGate{closers: map[int]func() error{}}
	end := g.begin()
	closed := make(chan struct{})
	g.onExit(func() error { close(closed); return nil })
	shut := make(chan bool)
	go func() { shut <- g.shut(time.Minute) }()
	<-closed
	select {
	case <-shut:
		t.Fatal("shut returned with a write in flight")
	case <-time.After(50 * time.Millisecond):
	}
	began := make(chan struct{})
	go func() { g.begin(); close(began) }() // blocks for good, as the process would end
	end()
	if !<-shut {
		t.Error("shut reports a write unfinished")
	}
	select {
	case <-began:
		t.Error("a write began after shut")
	case <-time.After(50 * time.Millisecond):
	}
}

func TestExitGateWaitIsBounded(t *testing.T) {
	g := &exitGate{closers: map[int]func() error{}}
	g.begin() // never ends
	start := time.Now()
	if g.shut(20*time.Millisecond) || time.Since(start) > time.Second {
		t.Errorf("shut waited %v for a write that never ends", time.Since(start))
	}
}
