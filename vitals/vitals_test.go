package vitals

import (
	"encoding/json"
	"math"
	"net/http"
	"net/http/httptest"
	"runtime"
	"runtime/metrics"
	"testing"
	"time"
)

func TestQuantile(t *testing.T) {
	h := Histogram{Buckets: []Bucket{{0, 1, 50}, {1, 2, 40}, {2, 4, 10}}}
	tests := []struct{ q, want float64 }{
		{0, 0}, {0.25, 0.5}, {0.5, 1}, {0.7, 1.5}, {0.9, 2}, {0.95, 3}, {1, 4},
	}
	for _, tt := range tests {
		got, ok := h.Quantile(tt.q)
		if !ok || math.Abs(got-tt.want) > 1e-9 {
			t.Errorf("Quantile(%v) = %v, %v; want %v", tt.q, got, ok, tt.want)
		}
	}
	if _, ok := (Histogram{}).Quantile(0.5); ok {
		t.Error("an empty histogram has a quantile")
	}
	if m, _ := h.Max(); m != 4 {
		t.Errorf("Max = %v, want 4", m)
	}
}

func TestSub(t *testing.T) {
	prev := Histogram{Buckets: []Bucket{{0, 1, 5}, {1, 2, 3}}}
	cur := Histogram{Buckets: []Bucket{{0, 1, 5}, {1, 2, 10}, {2, 4, 1}}}
	d := cur.Sub(prev)
	want := []Bucket{{1, 2, 7}, {2, 4, 1}}
	if len(d.Buckets) != len(want) {
		t.Fatalf("Sub = %v, want %v", d.Buckets, want)
	}
	for i := range want {
		if d.Buckets[i] != want[i] {
			t.Errorf("bucket %d = %v, want %v", i, d.Buckets[i], want[i])
		}
	}
	restarted := Histogram{Buckets: []Bucket{{0, 1, 2}}}
	if got := restarted.Sub(prev).Count(); got != 2 {
		t.Errorf("after a restart, Sub counts %d, want the 2 since", got)
	}
}

func TestHandlerServesReading(t *testing.T) {
	srv := httptest.NewServer(Handler())
	defer srv.Close()
	block := make(chan struct{})
	for range 100 {
		go func() { <-block }()
	}
	defer close(block)
	waitBlocked(t, 100)
	before := int64(runtime.NumGoroutine())
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r Reading
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		t.Fatalf("decode: %v", err)
	}
	after := int64(runtime.NumGoroutine())
	if r.GOMAXPROCS != int64(runtime.GOMAXPROCS(0)) {
		t.Errorf("gomaxprocs = %d, want %d", r.GOMAXPROCS, runtime.GOMAXPROCS(0))
	}
	// The reading is taken between the runtime's two counts, while earlier
	// tests' goroutines may still be ending and the request has a few of
	// its own (the server's handler, the client's connection).
	if lo, hi := min(before, after)-5, max(before, after)+5; r.Goroutines < 100 || r.Goroutines < lo || r.Goroutines > hi {
		t.Errorf("goroutines = %d, runtime says %d before the request and %d after", r.Goroutines, before, after)
	}
	if r.GoroutinesByState["waiting"] < 100 {
		t.Errorf("waiting goroutines = %d, want at least the 100 blocked", r.GoroutinesByState["waiting"])
	}
	if r.SchedLatency.Count() == 0 || r.TotalMemoryBytes == 0 || r.Threads == 0 {
		t.Errorf("empty reading: %+v", r)
	}
}

// waitBlocked waits until at least n goroutines are waiting: ones just
// started may not have reached their channel yet, the more so when earlier
// tests left the scheduler busy.
func waitBlocked(t *testing.T, n uint64) {
	t.Helper()
	s := []metrics.Sample{{Name: "/sched/goroutines/waiting:goroutines"}}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		if metrics.Read(s); s[0].Value.Kind() != metrics.KindUint64 || s[0].Value.Uint64() >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines waiting after 10s, want %d", s[0].Value.Uint64(), n)
		}
	}
}

// BenchmarkHandler is the endpoint's cost per request, served in-process.
func BenchmarkHandler(b *testing.B) {
	h := Handler()
	req := httptest.NewRequest("GET", "/debug/strain", nil)
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
}
