package profiles

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/strain-dev/strain/target"
)

func TestTakeWaitsForEveryOutcome(t *testing.T) {
	url := demo(t, target.Options{})
	c := open(t, Config{Cooldown: -1, MaxCaptures: -1})
	reqs := Manual{URL: url, Reason: "manual", Snapshots: []Kind{Heap, Goroutine}}.Requests()
	var got []Kind
	if err := c.Take(t.Context(), reqs, func(cp Capture) { mustWrite(t, cp); got = append(got, cp.Kind) }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Errorf("outcomes for %v, want heap and goroutine", got)
	}
}

func TestTakeEndsWithItsContext(t *testing.T) {
	url := demo(t, target.Options{})
	c := open(t, Config{})
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := c.Take(ctx, []Request{{URL: url, Kinds: []Kind{CPU}, Duration: time.Minute}}, func(Capture) {})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want the context's", err)
	}
	if d := time.Since(start); d > testTimeout/2 {
		t.Errorf("Take returned after %v", d)
	}
}

func TestTakeRefusesABadRequest(t *testing.T) {
	c := open(t, Config{})
	called := false
	err := c.Take(t.Context(), []Request{{URL: "http://127.0.0.1:1", Kinds: []Kind{"nonsense"}}}, func(Capture) { called = true })
	if err == nil || called {
		t.Errorf("err = %v, each called %v; want an error and no outcome", err, called)
	}
}
