package profiles

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/pprof/profile"
	"github.com/strain-dev/strain/target"
)

// testTimeout bounds any wait in these tests: far above what anything
// should take, it only turns a hang into a failure.
const testTimeout = 30 * time.Second

// demo serves the demo target on loopback for the test.
func demo(t *testing.T, opts target.Options) string {
	t.Helper()
	srv := target.New(opts)
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(func() { srv.Close(); ts.Close() })
	return ts.URL
}

// open opens a Capturer on a fresh directory, closed when the test ends.
func open(t *testing.T, cfg Config) *Capturer {
	t.Helper()
	if cfg.Dir == "" {
		cfg.Dir = t.TempDir()
	}
	c, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// results waits for n outcomes.
func results(t *testing.T, c *Capturer, n int) []Capture {
	t.Helper()
	var out []Capture
	timeout := time.After(testTimeout)
	for len(out) < n {
		select {
		case cp := <-c.Results():
			out = append(out, cp)
		case <-timeout:
			t.Fatalf("got %d of %d captures: %v", len(out), n, out)
		}
	}
	return out
}

// one asks for one capture and waits for its outcome.
func one(t *testing.T, c *Capturer, req Request) Capture {
	t.Helper()
	if err := c.Capture(t.Context(), req); err != nil {
		t.Fatal(err)
	}
	return results(t, c, 1)[0]
}

// mustWrite fails the test unless cp was written.
func mustWrite(t *testing.T, cp Capture) Capture {
	t.Helper()
	if !cp.Written() {
		t.Fatalf("capture %s %s: not written (skipped %q, err %v)", cp.Target, cp.Kind, cp.Skipped, cp.Err)
	}
	return cp
}

// load keeps a few clients GETting url until stop is closed.
func load(url string, clients int) (stop func()) {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			for ctx.Err() == nil {
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
				if resp, err := http.DefaultClient.Do(req); err == nil {
					resp.Body.Close()
				}
			}
		})
	}
	return func() { cancel(); wg.Wait() }
}

// read parses a written profile.
func read(t *testing.T, path string) *profile.Profile {
	t.Helper()
	p, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// files lists dir, hidden files included.
func files(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func join(dir, name string) string { return filepath.Join(dir, name) }

// get GETs url and fails the test unless it answers 200.
func get(t *testing.T, url string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
}
