package target

import (
	"net/http"
	"testing"
)

func TestAllocGaugeIsExact(t *testing.T) {
	srv, ts := start(t, Options{})
	srv.store.limit = 64 << 10 // the real cap would mean retaining 2 GiB
	checkGauge(t, ts, "strain_target_retained_bytes", []gaugeStep{
		{"first", "/alloc?kb=3", http.StatusOK, 3 << 10},
		{"second", "/alloc?kb=5", http.StatusOK, 8 << 10},
		{"zero", "/alloc?kb=0", http.StatusOK, 8 << 10},
		{"past the cap", "/alloc?kb=57", http.StatusInsufficientStorage, 8 << 10},
		{"up to the cap", "/alloc?kb=56", http.StatusOK, 64 << 10},
		{"reset", "/alloc/reset", http.StatusOK, 0},
	})
}
