package target

import (
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
)

func TestFailRate(t *testing.T) {
	_, ts := start(t, Options{})
	tests := []struct {
		name     string
		p        float64
		path     string
		requests int
	}{
		{"never", 0, "/fail?p=0", 200},
		{"always", 1, "/fail?p=1", 200},
		{"sometimes", 0.3, "/fail?p=0.3", 2000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			failed, err := countFailures(t, ts, tt.path, tt.requests)
			if err != nil {
				t.Fatal(err)
			}
			// A 5-sigma binomial band; at p of 0 or 1 it is exact.
			mean := tt.p * float64(tt.requests)
			band := 5 * math.Sqrt(float64(tt.requests)*tt.p*(1-tt.p))
			if math.Abs(float64(failed)-mean) > band {
				t.Errorf("%s over %d requests: got %d failures, want %v ± %.1f", tt.path, tt.requests, failed, mean, band)
			}
		})
	}
}

// countFailures sends n requests for path from a few workers and counts the
// 500s; any status but 200 or 500 is an error.
func countFailures(t *testing.T, ts *httptest.Server, path string, n int) (int64, error) {
	const workers = 4
	var (
		next, failed atomic.Int64
		wg           sync.WaitGroup
		errs         = make(chan error, workers)
	)
	for range workers {
		wg.Go(func() {
			for next.Add(1) <= int64(n) {
				code, body, err := fetch(t.Context(), ts, http.MethodGet, path)
				switch {
				case err != nil:
					errs <- err
					return
				case code == http.StatusInternalServerError:
					failed.Add(1)
				case code != http.StatusOK:
					errs <- fmt.Errorf("GET %s: got status %d, want 200 or 500 (body %q)", path, code, body)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	return failed.Load(), <-errs
}
