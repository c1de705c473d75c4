package loadgen

import (
	"context"
	"testing"
	"time"
)

func TestSegmentSharesAddUp(t *testing.T) {
	for _, n := range []int64{0, 1, 2, 7, 10, 1000, 1001} {
		for count := 1; count <= 7; count++ {
			var sum int64
			for i := range count {
				sum += Segment{Index: i, Count: count}.Of(n)
			}
			if sum != n {
				t.Errorf("%d over %d segments: shares add up to %d", n, count, sum)
			}
		}
	}
}

func TestParseSegment(t *testing.T) {
	if s, err := ParseSegment("2/3"); err != nil || s != (Segment{Index: 2, Count: 3}) {
		t.Errorf("2/3: %v %v", s, err)
	}
	for _, bad := range []string{"3/3", "-1/3", "1/0", "1", "a/b", "1/2/3", "0/100000"} {
		if _, err := ParseSegment(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestSplitClosed(t *testing.T) {
	c := Config{Targets: []Target{{URL: "http://127.0.0.1:1/"}}, Concurrency: 10, Requests: 100,
		Stages: []Stage{{Duration: time.Second, Target: 5}, {Duration: time.Second, Target: 0}}}
	var conc, reqs int
	var stage0 float64
	for i := range 3 {
		s, err := c.Split(Segment{Index: i, Count: 3})
		if err != nil {
			t.Fatal(err)
		}
		conc += s.Concurrency
		reqs += int(s.Requests)
		stage0 += s.Stages[0].Target
	}
	if conc != 10 || reqs != 100 || stage0 != 5 {
		t.Errorf("segments add up to %d workers, %d requests, a stage of %g; want 10, 100, 5", conc, reqs, stage0)
	}
	if _, err := (Config{Concurrency: 2}).Split(Segment{Index: 2, Count: 3}); err == nil {
		t.Errorf("a segment with no worker: no error")
	}
}

// Three open-model segments of 300 req/s send, between them, exactly the
// requests the whole would: each its turns of the whole's schedule.
func TestOpenSegmentsAddUpToTheWhole(t *testing.T) {
	srv := newCountingServer(t, 0)
	whole := Config{Targets: []Target{{URL: srv.URL}}, Rate: 300, Requests: 301}
	var sent int64
	for i := range 3 {
		cfg, err := whole.Split(Segment{Index: i, Count: 3})
		if err != nil {
			t.Fatal(err)
		}
		windows, res := runEngine(t, context.Background(), cfg)
		if want := []int64{101, 100, 100}[i]; res.Requests != want {
			t.Errorf("segment %d sent %d, want %d", i, res.Requests, want)
		}
		if lvl := windows[0].Level; lvl != 100 {
			t.Errorf("segment %d's level %g, want its share, 100", i, lvl)
		}
		sent += res.Requests
	}
	if sent != 301 || srv.count.Load() != 301 {
		t.Errorf("segments sent %d, the server counted %d; want 301", sent, srv.count.Load())
	}
}
