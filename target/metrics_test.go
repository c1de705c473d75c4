package target

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/strain-dev/strain/vitals"
)

func TestMetricsCountEveryDemoRequest(t *testing.T) {
	srv, ts := start(t, Options{})
	sent := []string{
		"/", "/ok", "/cpu?ms=1", "/cpu?ms=bad", "/slow?ms=1", "/leak?n=1", "/leak/reset",
		"/alloc?kb=1", "/alloc/reset", "/lock?ms=1", "/hog?ms=1&g=1", "/fail?p=0", "/nope",
	}
	want := map[string]float64{
		"ok": 2, "cpu": 2, "slow": 1, "leak": 2, "alloc": 2, "lock": 1, "hog": 1, "fail": 1, "other": 1,
	}
	for _, path := range sent {
		get(t, ts, path)
	}
	// None of these is a demo endpoint, so none may count.
	for _, path := range []string{"/metrics", "/admin/stall?for=0", "/debug/pprof/", "/admin/nope"} {
		get(t, ts, path)
	}

	families := scrape(t, ts)
	for _, name := range []string{
		"go_sched_latencies_seconds", "go_goroutines", "go_memstats_heap_alloc_bytes", "go_gc_duration_seconds",
		"process_cpu_seconds_total", "strain_target_requests_total",
		"strain_target_leaked_goroutines", "strain_target_retained_bytes", "strain_target_stalled",
	} {
		if _, ok := families[name]; !ok {
			t.Errorf("/metrics: missing %s", name)
		}
	}

	got := map[string]float64{}
	var sum float64
	for _, m := range families["strain_target_requests_total"].GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() == "endpoint" {
				got[l.GetValue()] = m.GetCounter().GetValue()
			}
		}
		sum += m.GetCounter().GetValue()
	}
	for _, endpoint := range endpoints {
		t.Run(endpoint, func(t *testing.T) {
			if got[endpoint] != want[endpoint] {
				t.Errorf("strain_target_requests_total{endpoint=%q}: got %v, want %v", endpoint, got[endpoint], want[endpoint])
			}
		})
	}
	if sum != float64(len(sent)) {
		t.Errorf("sum of strain_target_requests_total: got %v, want %d requests sent", sum, len(sent))
	}
	if got := srv.Requests(); got != int64(len(sent)) {
		t.Errorf("Requests(): got %d, want %d requests sent", got, len(sent))
	}
	for _, name := range []string{"strain_target_leaked_goroutines", "strain_target_retained_bytes", "strain_target_stalled"} {
		if got := gauge(t, families, name); got != 0 {
			t.Errorf("%s: got %v, want 0", name, got)
		}
	}
}

func TestMetricsServersAreIndependent(t *testing.T) {
	// Servers in one process must neither clash over a global registry
	// nor share counts.
	srvA, tsA := start(t, Options{})
	srvB, tsB := start(t, Options{})
	mustGet(t, tsA, "/ok", http.StatusOK)
	tests := []struct {
		name string
		srv  *Server
		ts   *httptest.Server
		want int64
	}{
		{"served", srvA, tsA, 1},
		{"idle", srvB, tsB, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.srv.Requests(); got != tt.want {
				t.Errorf("Requests(): got %d, want %d", got, tt.want)
			}
			var sum float64
			for _, m := range scrape(t, tt.ts)["strain_target_requests_total"].GetMetric() {
				sum += m.GetCounter().GetValue()
			}
			if sum != float64(tt.want) {
				t.Errorf("sum of strain_target_requests_total: got %v, want %d", sum, tt.want)
			}
		})
	}
}

func TestServesRuntimeEndpoint(t *testing.T) {
	srv, hs := start(t, Options{})
	resp, err := http.Get(hs.URL + "/debug/strain")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r vitals.Reading
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil || resp.StatusCode != 200 {
		t.Fatalf("status %d, decode: %v", resp.StatusCode, err)
	}
	if r.Goroutines == 0 || r.GOMAXPROCS == 0 {
		t.Errorf("empty reading %+v", r)
	}
	if srv.Requests() != 0 {
		t.Errorf("the runtime endpoint counted as a demo request")
	}
}
