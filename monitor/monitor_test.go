package monitor

import (
	"context"
	"errors"
	"maps"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func constant(name string, m Metrics) Source {
	return SourceFunc{ID: name, Fn: func(context.Context) (Metrics, error) { return m, nil }}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestSnapshotPrecedenceAndFailures(t *testing.T) {
	var hangs atomic.Int64
	precise := constant("precise", Metrics{"goroutines": 100})
	coarse := constant("coarse", Metrics{"goroutines": 90, "rss": 5})
	failing := SourceFunc{ID: "failing", Fn: func(context.Context) (Metrics, error) { return nil, errors.New("boom") }}
	hanging := SourceFunc{ID: "hanging", Fn: func(ctx context.Context) (Metrics, error) {
		hangs.Add(1)
		<-ctx.Done()
		return nil, ctx.Err()
	}}
	m := New(MinInterval,
		Target{Name: "api", Sources: []Source{failing, precise, coarse}},
		Target{Name: "db", Sources: []Source{hanging}},
	)
	m.Open(context.Background())
	defer m.Close()
	// The hanging source warns only once its sample times out, and on a
	// busy machine a healthy source's sample can come late enough that its
	// values are rightly dropped as stale for a moment. So wait for the
	// snapshot in which the hanging one has timed out and both healthy
	// ones are fresh, and judge that one.
	want := func(snap Snapshot) bool {
		joined := strings.Join(snap.Warnings, "\n")
		api := snap.Targets["api"]
		return len(snap.Warnings) == 2 && strings.Contains(joined, "api: failing: boom") && strings.Contains(joined, "db: hanging") &&
			api["goroutines"] == 100 && api["rss"] == 5 && len(snap.Targets["db"]) == 0
	}
	snap := m.Snapshot()
	for deadline := time.Now().Add(10 * time.Second); !want(snap) && time.Now().Before(deadline); snap = m.Snapshot() {
		time.Sleep(20 * time.Millisecond)
	}
	if !want(snap) {
		t.Errorf("after 10s: api = %v, db = %v, warnings = %q; want the precise goroutines and the coarse rss, no db data, and warnings of api's failing source and db's hanging one",
			snap.Targets["api"], snap.Targets["db"], snap.Warnings)
	}
	if hangs.Load() == 0 {
		t.Error("the hanging source was never sampled")
	}
}

func TestStaleValuesAreDropped(t *testing.T) {
	var fail atomic.Bool
	src := SourceFunc{ID: "flaky", Fn: func(context.Context) (Metrics, error) {
		if fail.Load() {
			return nil, errors.New("down")
		}
		return Metrics{"goroutines": 7}, nil
	}}
	m := New(MinInterval, Target{Name: "t", Sources: []Source{src}})
	m.Open(context.Background())
	defer m.Close()
	waitFor(t, func() bool { return m.Snapshot().Targets["t"]["goroutines"] == 7 })
	fail.Store(true)
	waitFor(t, func() bool { _, ok := m.Snapshot().Targets["t"]["goroutines"]; return !ok })
}

func TestCloseIsIdempotent(t *testing.T) {
	m := New(0, Target{Name: "t", Sources: []Source{constant("c", Metrics{})}})
	if m.Interval() != DefaultInterval {
		t.Errorf("interval = %v", m.Interval())
	}
	m.Open(context.Background())
	m.Close()
	m.Close()
}

func TestSelfSource(t *testing.T) {
	src := NewSelf()
	ctx := context.Background()
	first, err := src.Sample(ctx)
	if err != nil || first["goroutines"] < 1 || first["gomaxprocs"] < 1 {
		t.Fatalf("first sample %v, %v", first, err)
	}
	waitFor(t, func() bool {
		hogs(4, 20*time.Millisecond)
		next, _ := src.Sample(ctx)
		_, ok := next["sched_latency.p99"]
		return ok
	})
}

// secondarySource gives its metrics, some of them only as a stand-in.
type secondarySource struct {
	SourceFunc
	secondary []string
}

func (s secondarySource) Secondary() []string { return s.secondary }

// A source's secondary metric yields to a later source's, and stands in
// where no other source gives it; its primary ones win as usual.
func TestSecondaryMetricsYield(t *testing.T) {
	first := secondarySource{SourceFunc{ID: "trace", Fn: func(context.Context) (Metrics, error) {
		return Metrics{"sched_latency.p99": 0.003, "cpu": 150, "heap": 1 << 20}, nil
	}}, []string{"cpu", "heap"}}
	later := SourceFunc{ID: "pid", Fn: func(context.Context) (Metrics, error) {
		return Metrics{"sched_latency.p99": 0.05, "cpu": 190}, nil
	}}
	mon := New(MinInterval, Target{Name: "api", Sources: []Source{first, later}})
	mon.Open(t.Context())
	defer mon.Close()
	var got Metrics
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if got = mon.Snapshot().Targets["api"]; len(got) == 3 {
			break
		}
	}
	want := Metrics{"sched_latency.p99": 0.003, "cpu": 190, "heap": 1 << 20}
	if !maps.Equal(got, want) {
		t.Errorf("snapshot %v, want %v", got, want)
	}
}
