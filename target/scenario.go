package target

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"
)

// Act is one step of the demo's scenario: from a fraction of the run on,
// what to say and which request to send the demo target, once or every
// so often until the next act.
type Act struct {
	At    float64       // fraction of the run at which it begins
	Say   string        // what the demo says as it begins
	Every time.Duration // repeat Path this often until the next act; 0: once
	Path  string        // path on the demo target to GET; "" for none
}

// Scenario is the demo's walk: healthy, a goroutine leak, a starved
// scheduler, a stall, recovery.
var Scenario = []Act{
	{0, "healthy: a steady 300 req/s against a fast endpoint", 0, ""},
	{0.15, "goroutine leak: the target now leaks 150 goroutines a second (watch target goroutines climb)", 500 * time.Millisecond, "/leak?n=75"},
	{0.48, "scheduler starvation: CPU hogs on every core (watch target sched p99, and the load's latency)", 2 * time.Second, "/hog?ms=2100&g=8"},
	{0.72, "stall: every response held for 3 s (watch the oldest request in flight climb and p99 carry the stall)", 0, "/admin/stall?for=3s"},
	{0.80, "recovery: leaks released, load as at the start", 0, "/leak/reset"},
}

// ScenarioDuration is how long to play Scenario for: long enough for each
// act to hold past the sustain windows of strain's default alerts, so
// that they fire in it.
const ScenarioDuration = 60 * time.Second

// Due is what a scenario of acts does in a run lasting dur between the
// elapsed times from (excluded) and to (included): the acts that begin,
// and the paths to request, in order. A pure function of time: playing the
// scenario is calling it on a clock.
func Due(acts []Act, dur, from, to time.Duration) (begun []Act, paths []string) {
	for i, a := range acts {
		start := time.Duration(a.At * float64(dur))
		end := dur
		if i+1 < len(acts) {
			end = time.Duration(acts[i+1].At * float64(dur))
		}
		if from < start && start <= to || from < 0 && start == 0 {
			begun = append(begun, a)
		}
		if a.Path == "" {
			continue
		}
		for t := start; t < end && t <= to; t += a.Every {
			if t > from || from < 0 && t == 0 {
				paths = append(paths, a.Path)
			}
			if a.Every <= 0 {
				break
			}
		}
	}
	return begun, paths
}

// playTick is how often Play looks at the clock.
const playTick = 50 * time.Millisecond

// Play drives the demo target at base through acts over a run lasting
// dur, saying each act on say as it begins, until dur or ctx ends: a
// request in flight is cancelled then, and Play returns having left
// nothing running.
func Play(ctx context.Context, base string, acts []Act, dur time.Duration, say io.Writer) {
	tr := &http.Transport{Proxy: nil}
	defer tr.CloseIdleConnections() // its keep-alive goroutines end with it
	client := &http.Client{Timeout: 5 * time.Second, Transport: tr}
	start := time.Now()
	ticker := time.NewTicker(playTick)
	defer ticker.Stop()
	for last := time.Duration(-1); last < dur; {
		now := min(time.Since(start), dur)
		begun, paths := Due(acts, dur, last, now)
		for _, a := range begun {
			fmt.Fprintf(say, "%5.1fs  demo: %s\n", now.Seconds(), a.Say)
		}
		for _, p := range paths {
			// With ctx: a hog or a stall holds its request for seconds,
			// which must not outlast the run.
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+p, nil)
			if err != nil {
				continue
			}
			if resp, err := client.Do(req); err == nil {
				resp.Body.Close()
			}
		}
		last = now
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}
