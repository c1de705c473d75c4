package capacity

import (
	"runtime"
	"testing"
	"time"
)

// TestNewLeavesNoGoroutine makes searches that are never run: New's
// check of a step's session (with a capturer, as a watched target or
// manual captures give it) must leave nothing running.
func TestNewLeavesNoGoroutine(t *testing.T) {
	cfg := searchConfig(t, "http://127.0.0.1:1/", "error_rate < 1%")
	cfg.Run.ManualCaptures = true
	before := settledGoroutines(-1)
	const n = 20
	for range n {
		if _, err := New(cfg); err != nil {
			t.Fatal(err)
		}
	}
	if after := settledGoroutines(before); after > before {
		t.Errorf("after %d searches made and never run: %d goroutines, want %d as before", n, after, before)
	}
}

// settledGoroutines is the number of goroutines once it stops falling
// towards want (or for a moment, when want is negative).
func settledGoroutines(want int) int {
	n := runtime.NumGoroutine()
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline) && n > want; {
		time.Sleep(20 * time.Millisecond)
		n = runtime.NumGoroutine()
		if want < 0 {
			break
		}
	}
	return n
}
