package loadgen

import (
	"context"
	"math"
	"testing"
	"time"
)

// waitUntil polls cond for up to 5s.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 5s", what)
		}
	}
}

func TestSetLevelAndPauseClosed(t *testing.T) {
	srv := newCountingServer(t, 20*time.Millisecond)
	e, err := New(Config{Targets: []Target{{URL: srv.URL}}, Concurrency: 2, Duration: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	windows := e.Start(ctx)
	go func() {
		for range windows {
		}
	}()
	defer cancel()
	waitUntil(t, "2 in flight", func() bool { return srv.inflight.Load() == 2 })
	e.SetLevel(7)
	waitUntil(t, "7 in flight after SetLevel(7)", func() bool { return srv.inflight.Load() == 7 })
	if e.Level() != 7 {
		t.Errorf("Level() = %v, want 7", e.Level())
	}
	if !e.TogglePause() || !e.Paused() {
		t.Fatal("TogglePause did not pause")
	}
	waitUntil(t, "nothing in flight while paused", func() bool { return srv.inflight.Load() == 0 })
	before := srv.count.Load()
	time.Sleep(200 * time.Millisecond)
	if got := srv.count.Load(); got != before {
		t.Errorf("%d requests sent while paused", got-before)
	}
	e.TogglePause()
	waitUntil(t, "7 in flight after resuming", func() bool { return srv.inflight.Load() == 7 })
}

func TestSetLevelAndPauseOpen(t *testing.T) {
	srv := newCountingServer(t, 0)
	e, err := New(Config{Targets: []Target{{URL: srv.URL}}, Rate: 100, Duration: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	windows := e.Start(context.Background())
	go func() {
		time.Sleep(time.Second)
		e.SetLevel(400) // a second at 100/s, then 400/s
		time.Sleep(time.Second)
		e.TogglePause() // 0.5s with nothing sent, nothing dropped
		time.Sleep(500 * time.Millisecond)
		e.TogglePause()
	}()
	for range windows {
	}
	res := e.Result()
	// 100 + 400 + 0 + 0.5s × 400 = 700 scheduled; the pause is not counted.
	want := 700.0
	if got := float64(res.Requests + res.Unfinished); math.Abs(got-want) > 0.05*want {
		t.Errorf("requests = %v, want %v ±5%%", got, want)
	}
	if res.Dropped != 0 {
		t.Errorf("dropped = %d: a pause is not a drop", res.Dropped)
	}
	if e.Level() != 400 {
		t.Errorf("Level() = %v, want 400", e.Level())
	}
}
