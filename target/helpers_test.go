package target

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// testTimeout bounds any single wait in these tests. It is far above what
// anything should take, so it only turns a hang into a failure.
const testTimeout = 20 * time.Second

// start runs a Server behind a real HTTP server for the length of the test.
func start(t *testing.T, opts Options) (*Server, *httptest.Server) {
	t.Helper()
	srv := New(opts)
	ts := httptest.NewServer(srv.Handler())
	ts.Client().Transport.(*http.Transport).MaxIdleConnsPerHost = 16
	// Cleanups run last-in first-out: srv.Close ends any stall first, so
	// ts.Close is not left waiting on held requests.
	t.Cleanup(ts.Close)
	t.Cleanup(func() { srv.Close() })
	return srv, ts
}

// get sends a GET for path and returns the status and body.
func get(t *testing.T, ts *httptest.Server, path string) (int, string) {
	t.Helper()
	return do(t, ts, http.MethodGet, path)
}

// do sends a request for path and returns the status and body.
func do(t *testing.T, ts *httptest.Server, method, path string) (int, string) {
	t.Helper()
	code, body, err := fetch(t.Context(), ts, method, path)
	if err != nil {
		t.Fatal(err)
	}
	return code, body
}

// fetch sends a request for path and returns the status and body. It does
// not touch a testing.T, so other goroutines may call it.
func fetch(ctx context.Context, ts *httptest.Server, method, path string) (int, string, error) {
	ctx, cancel := context.WithTimeout(ctx, testTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, ts.URL+path, nil)
	if err != nil {
		return 0, "", fmt.Errorf("build request %s %s: %w", method, path, err)
	}
	resp, err := ts.Client().Do(req)
	if err != nil {
		return 0, "", fmt.Errorf("send %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, "", fmt.Errorf("read body of %s %s: %w", method, path, err)
	}
	return resp.StatusCode, string(body), nil
}

// mustGet is get that also fails the test unless the status is want.
func mustGet(t *testing.T, ts *httptest.Server, path string, want int) string {
	t.Helper()
	code, body := get(t, ts, path)
	if code != want {
		t.Fatalf("GET %s: got status %d, want %d (body %q)", path, code, want, body)
	}
	return body
}

// scrape fetches and parses /metrics.
func scrape(t *testing.T, ts *httptest.Server) map[string]*dto.MetricFamily {
	t.Helper()
	body := mustGet(t, ts, "/metrics", http.StatusOK)
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	return families
}

// gauge returns the value of the single-series gauge name.
func gauge(t *testing.T, families map[string]*dto.MetricFamily, name string) float64 {
	t.Helper()
	mf, ok := families[name]
	if !ok || len(mf.GetMetric()) != 1 {
		t.Fatalf("/metrics: want one series of %s, got %v", name, mf)
	}
	return mf.GetMetric()[0].GetGauge().GetValue()
}

// eventually polls cond until it holds or testTimeout passes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(testTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// settledGoroutines waits for runtime.NumGoroutine to hold still, so that
// goroutines of earlier tests still winding down do not skew a baseline.
func settledGoroutines() int {
	n := runtime.NumGoroutine()
	for range 100 {
		time.Sleep(20 * time.Millisecond)
		m := runtime.NumGoroutine()
		if m == n {
			return n
		}
		n = m
	}
	return n
}

// gaugeStep is a request and the gauge's value after it.
type gaugeStep struct {
	name   string
	path   string
	status int
	want   float64
}

// checkGauge sends each step's request in turn and checks its status and
// the gauge name's value after it.
func checkGauge(t *testing.T, ts *httptest.Server, name string, steps []gaugeStep) {
	t.Helper()
	for _, step := range steps {
		t.Run(step.name, func(t *testing.T) {
			mustGet(t, ts, step.path, step.status)
			if got := gauge(t, scrape(t, ts), name); got != step.want {
				t.Errorf("%s after %s: got %v, want %v", name, step.path, got, step.want)
			}
		})
	}
}
