package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/pprof"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/strain-dev/strain/internal/exitcode"

	"github.com/strain-dev/strain/vitals"
)

// A watched target whose runtime endpoint hangs after discovery and whose
// /metrics turns to garbage: those samplers fail, pprof goes on, the load
// is not held back, and a gate on what only they gave says "no data".
func TestWatchedTargetBreaks(t *testing.T) {
	// Each endpoint answers discovery's first request, then breaks.
	var vitalsCalls, metricsCalls atomic.Int64
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/strain", func(w http.ResponseWriter, r *http.Request) {
		if vitalsCalls.Add(1) > 1 {
			<-r.Context().Done() // hangs until the client gives up
			return
		}
		vitals.Handler().ServeHTTP(w, r)
	})
	mux.HandleFunc("/metrics", func(w http.ResponseWriter, r *http.Request) {
		if metricsCalls.Add(1) > 1 {
			w.Write([]byte("go_goroutines{ 12 garbage\n"))
			return
		}
		w.Write([]byte("# TYPE go_goroutines gauge\ngo_goroutines 12\n"))
	})
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/ok", func(http.ResponseWriter, *http.Request) {})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	out := filepath.Join(t.TempDir(), "r.json")
	start := time.Now()
	code, _, stderr := cli(t, context.Background(), "run", srv.URL+"/ok", "-d", "3s", "--interval", "500ms", "--watch", srv.URL,
		"--gate", "target.heap.max < 1GiB", "--gate", "target.goroutines.max > 0", "-o", out)
	if d := time.Since(start); d > 8*time.Second {
		t.Errorf("a 3s run took %v with a hanging sampler", d)
	}
	if code != exitcode.GateFailed {
		t.Errorf("exit %d, want 1 (the heap gate has no data): %s", code, stderr)
	}
	rep := readReport(t, out)
	verdicts := map[string]string{}
	for _, g := range rep.Gates {
		verdicts[g.Expr] = g.Shown
	}
	if verdicts["target.goroutines.max > 0"] == "no data" {
		t.Error("pprof stopped giving goroutines when the other sources broke")
	}
	warned := strings.Join(rep.Warnings, "\n")
	for _, want := range []string{"vitals:", "prom:"} {
		if !strings.Contains(warned, want) {
			t.Errorf("no warning about %s in:\n%s", want, warned)
		}
	}
	if rep.Summary["requests"] < 100 {
		t.Errorf("only %v requests: the load was held back", rep.Summary["requests"])
	}
}
