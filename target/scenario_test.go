package target

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"
)

// The scenario is a function of time: calling Due over a run in steps of
// any size gives each act once and each repeated request on its schedule.
func TestDueOverARun(t *testing.T) {
	acts := []Act{
		{0, "start", 0, "/a"},
		{0.5, "repeat", 2 * time.Second, "/b"},
		{0.8, "end", 0, ""},
	}
	dur := 10 * time.Second
	for _, step := range []time.Duration{50 * time.Millisecond, time.Second, 3 * time.Second, dur} {
		var says, paths []string
		for last, now := time.Duration(-1), time.Duration(0); ; now = min(now+step, dur) {
			begun, p := Due(acts, dur, last, now)
			for _, a := range begun {
				says = append(says, a.Say)
			}
			paths = append(paths, p...)
			last = now
			if now == dur {
				break
			}
		}
		// /b at 5s and 7s: 9s would be past the next act at 8s.
		if want := []string{"start", "repeat", "end"}; !slices.Equal(says, want) {
			t.Errorf("step %v: says %v, want %v", step, says, want)
		}
		if want := []string{"/a", "/b", "/b"}; !slices.Equal(paths, want) {
			t.Errorf("step %v: paths %v, want %v", step, paths, want)
		}
	}
}

func TestDueAtTheDemoScale(t *testing.T) {
	_, paths := Due(Scenario, 60*time.Second, -1, 60*time.Second)
	leaks := 0
	for _, p := range paths {
		if p == Scenario[1].Path {
			leaks++
		}
	}
	// 0.15–0.48 of 60 s is 19.8 s: every 500 ms from 9 s is 40 requests.
	if leaks != 40 {
		t.Errorf("%d leak requests, want 40", leaks)
	}
}

// Play ends with its context, even while a request it sent is held (a
// hog, a stall): the run it belongs to is over.
func TestPlayEndsWithItsContext(t *testing.T) {
	held := make(chan struct{})
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(held)
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	defer close(release)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		Play(ctx, srv.URL, []Act{{0, "hold", 0, "/hold"}}, time.Minute, io.Discard)
	}()
	<-held
	cancel()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		t.Fatal("Play went on 2s after its context ended, waiting on its request")
	}
}
