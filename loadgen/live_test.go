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
	e, err := newEngine(Config{Targets: []Target{{URL: srv.URL}}, Concurrency: 2, Duration: 20 * time.Second})
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
	const dur = 3 * time.Second
	e, err := newEngine(Config{Targets: []Target{{URL: srv.URL}}, Rate: 100, Duration: dur})
	if err != nil {
		t.Fatal(err)
	}
	windows := e.Start(context.Background())
	// Each change is made at a moment measured from the start, so that one
	// late wake-up does not push the others later, and the moments are
	// recorded as they happened.
	var raised, paused, resumed time.Duration
	changed := make(chan struct{})
	go func() {
		defer close(changed)
		at := func(d time.Duration) time.Duration {
			time.Sleep(time.Until(e.started.Add(d)))
			return time.Since(e.started)
		}
		raised = at(time.Second)
		e.SetLevel(400) // a second at 100/s, then 400/s
		paused = at(2 * time.Second)
		e.TogglePause() // 0.5s with nothing scheduled
		resumed = at(2500 * time.Millisecond)
		e.TogglePause()
	}()
	for range windows {
	}
	<-changed
	res := e.Result()
	if resumed >= dur {
		t.Skipf("the machine was so busy that the run ended before the resume at %v", resumed)
	}
	// 100/s until raised, 400/s until paused, nothing while paused, 400/s
	// from the resume to the end: 700 on time. The schedule's own count,
	// requests + unfinished + dropped, holds however late the pacer sends;
	// what can move it is only how soon the pacer notices each change, a
	// few milliseconds, where 10% is 70 requests, 175ms at 400/s. A pause
	// counted as a drop, or made up for by a burst, would add its 200.
	want := 100*raised.Seconds() + 400*(paused-raised).Seconds() + 400*(dur-resumed).Seconds()
	if got := float64(res.Requests + res.Unfinished + res.Dropped); math.Abs(got-want) > 0.1*want {
		t.Errorf("requests %d + unfinished %d + dropped %d = %v, want the %.0f scheduled ±10%% (raised at %v, paused at %v, resumed at %v)",
			res.Requests, res.Unfinished, res.Dropped, got, want, raised, paused, resumed)
	}
	checkServerCount(t, res, srv.count.Load())
	if e.Level() != 400 {
		t.Errorf("Level() = %v, want 400", e.Level())
	}
}
