package target

import (
	"net/http"
	"strings"
	"testing"
)

// The cache grows by an entry per distinct key, never for a key it has:
// its gauge says exactly what it holds.
func TestCacheGrowsWithDistinctKeys(t *testing.T) {
	srv, ts := start(t, Options{})
	srv.cache.limit = 64 << 10 // the real cap would mean caching 1 GiB
	checkGauge(t, ts, "strain_target_cached_bytes", []gaugeStep{
		{"a new key", "/cache?key=a&kb=3", http.StatusOK, 3 << 10},
		{"the same key", "/cache?key=a&kb=3", http.StatusOK, 3 << 10},
		{"the same key again", "/cache?key=a&kb=9", http.StatusOK, 3 << 10},
		{"another key", "/cache?key=b&kb=5", http.StatusOK, 8 << 10},
		{"no key", "/cache", http.StatusBadRequest, 8 << 10},
		{"a key too long", "/cache?key=" + strings.Repeat("k", maxCacheKey+1), http.StatusBadRequest, 8 << 10},
		{"past the cap", "/cache?key=c&kb=57", http.StatusInsufficientStorage, 8 << 10},
		{"up to the cap", "/cache?key=c&kb=56", http.StatusOK, 64 << 10},
		{"a known key when full", "/cache?key=b", http.StatusOK, 64 << 10},
		{"reset", "/cache/reset", http.StatusOK, 0},
	})
}
