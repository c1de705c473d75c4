package h2

import (
	"context"
	"testing"

	"github.com/strain-dev/strain/loadgen"
	"github.com/strain-dev/strain/loadgen/nethttp"
	"github.com/strain-dev/strain/loadgen/send"
)

// The fast path's tests drive it with the engine, as a run does: its
// counts are the engine's, checked against the server's own.

// withNetHTTP is the fast path, with net/http for what it does not carry:
// a send.Maker.
func withNetHTTP(opts send.Options, targets []*send.Prepared) send.Transport {
	return New(opts, targets, nethttp.New(opts, targets))
}

// newEngine is loadgen.New on the fast path.
func newEngine(cfg loadgen.Config) (*loadgen.Engine, error) {
	cfg.HTTP2, cfg.Transport = true, withNetHTTP
	return loadgen.New(cfg)
}

// runEngine runs cfg on the fast path to its end and returns every window
// and the result.
func runEngine(t *testing.T, ctx context.Context, cfg loadgen.Config) ([]loadgen.Window, loadgen.Result) {
	t.Helper()
	e, err := newEngine(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	var windows []loadgen.Window
	for w := range e.Start(ctx) {
		windows = append(windows, w)
	}
	return windows, e.Result()
}

// transportFor is the fast path for targets, as the engine's wiring makes
// it, engine aside.
func transportFor(tb testing.TB, targets ...loadgen.Target) (*Transport, []*send.Prepared) {
	tb.Helper()
	prepared, err := loadgen.Prepare(targets, nil)
	if err != nil {
		tb.Fatal(err)
	}
	opts := send.Options{Timeout: loadgen.DefaultTimeout, MaxBody: loadgen.DefaultMaxBody, HTTP2: true, Concurrency: 1, H2Conns: 1}
	return New(opts, prepared, nethttp.New(opts, prepared)), prepared
}
