package loadgen

import (
	"context"
	"math"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/strain-dev/strain/loadgen/transport"
)

// Rates and levels that make no sense are refused, with the range.
func TestConfigRefusesEdges(t *testing.T) {
	base := Config{Targets: []Target{{URL: "http://127.0.0.1:1/"}}}
	tests := []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"NaN rate", func(c *Config) { c.Rate = math.NaN() }, "from 0.001"},
		{"Inf rate", func(c *Config) { c.Rate = math.Inf(1) }, "from 0.001"},
		{"tiny rate", func(c *Config) { c.Rate = 1e-300 }, "from 0.001"},
		{"huge concurrency", func(c *Config) { c.Concurrency = 1_000_000 }, "at most 100000"},
		{"NaN stage", func(c *Config) { c.Stages = []Stage{{Duration: time.Second, Target: math.NaN()}} }, "stage target"},
		{"no transport", func(c *Config) { c.Transport = nil }, "no transport: set Config.Transport"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := base
			c.Transport = transport.For
			tt.edit(&c)
			if _, err := New(c); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New = %v, want an error saying %q", err, tt.want)
			}
		})
	}
}

// The open model lasts as long as it is told, however low the rate: at
// 0.5 req/s for 3 s the last request is due at 2 s, and the run goes on
// to 3 s, so its throughput is 2 requests over 3 s, not over 2.
func TestOpenLowRateLastsItsDuration(t *testing.T) {
	srv := newCountingServer(t, 0)
	_, res := runEngine(t, context.Background(), Config{Targets: []Target{{URL: srv.URL}}, Rate: 0.5, Duration: 3 * time.Second})
	if d := res.Duration(); d < 3*time.Second {
		t.Errorf("the run lasted %v of 3s", d)
	}
	if res.Requests+res.Unfinished+res.Dropped != 2 || res.Dropped < 0 {
		t.Errorf("requests %d + unfinished %d + dropped %d, want the 2 scheduled", res.Requests, res.Unfinished, res.Dropped)
	}
	checkServerCount(t, res, srv.count.Load())
}

// Paused until the end, the open model counts what the pause held back as
// not scheduled, not as dropped.
func TestOpenPausedToTheEndDropsNothing(t *testing.T) {
	srv := newCountingServer(t, 0)
	e, err := newEngine(Config{Targets: []Target{{URL: srv.URL}}, Rate: 100, Duration: 1500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	windows := e.Start(context.Background())
	for srv.count.Load() < 20 {
		time.Sleep(5 * time.Millisecond)
	}
	e.TogglePause()
	for range windows {
	}
	res := e.Result()
	// A second of pause at 100/s would have been about 100 dropped; what
	// may drop is only what the pacer was behind on when it paused.
	if res.Dropped < 0 || res.Dropped > 50 {
		t.Errorf("dropped %d after pausing to the end", res.Dropped)
	}
}

// A histogram's value is its bucket's top, which can pass the exact
// maximum: no statistic is reported above the max (seen: p999 55.4 ms
// beside a max of 55.3 ms).
func TestNoStatisticAboveTheMax(t *testing.T) {
	h := newHistogram()
	exact := 55_300_001 * time.Nanosecond
	h.RecordValue(int64(exact))
	m := map[string]float64{}
	latencyMetrics(m, "latency", h, exact)
	if top := float64(h.ValueAtQuantile(99.9)) / 1e9; top <= exact.Seconds() {
		t.Skipf("the histogram's bucket top %v is not above %v: nothing to check", top, exact.Seconds())
	}
	for name, v := range m {
		if v > m["latency.max"] {
			t.Errorf("%s = %v above latency.max %v", name, v, m["latency.max"])
		}
	}
}

// With one P the pacer must not keep it between requests: a nanosleep
// would keep the goroutines that read responses (and here, the server's)
// from running until the next request is due, and every latency at a low
// rate would grow by up to the gap (it read 20ms against this 10ms
// service at 100 req/s).
func TestOpenOnOneProcIsNotHeldByThePacer(t *testing.T) {
	srv := newCountingServer(t, 10*time.Millisecond)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	_, res := runEngine(t, context.Background(), Config{Targets: []Target{{URL: srv.URL}}, Rate: 100, Duration: 1500 * time.Millisecond})
	if res.Requests < 100 {
		t.Fatalf("%d requests", res.Requests)
	}
	if p50 := time.Duration(res.Latency.ValueAtQuantile(50)); p50 > 15*time.Millisecond {
		t.Errorf("p50 %v against a 10ms service, with one P", p50)
	}
	checkServerCount(t, res, srv.count.Load())
}
