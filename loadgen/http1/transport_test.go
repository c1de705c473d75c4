package http1

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/strain-dev/strain/internal/loadtest"
	"github.com/strain-dev/strain/loadgen"
	"github.com/strain-dev/strain/loadgen/nethttp"
	"github.com/strain-dev/strain/loadgen/send"
)

// transportFor is the wire path for targets, net/http beside it, as the
// engine's wiring makes it.
func transportFor(tb testing.TB, targets ...loadgen.Target) (*Transport, []*send.Prepared) {
	tb.Helper()
	prepared, err := loadgen.Prepare(targets, nil)
	if err != nil {
		tb.Fatal(err)
	}
	opts := send.Options{Timeout: loadgen.DefaultTimeout, MaxBody: loadgen.DefaultMaxBody, Concurrency: 1}
	return New(opts, prepared, nethttp.New(opts, prepared)), prepared
}

// A target whose templates hold only {{env}} is fixed: the wire path's
// one rendering, the value in it.
func TestEnvOnlyIsFixed(t *testing.T) {
	t.Setenv("STRAIN_TEST_TOKEN", "s3cret")
	tr, p := transportFor(t, loadgen.Target{URL: "http://h/{{env STRAIN_TEST_TOKEN}}", Header: http.Header{"X-T": {"{{env STRAIN_TEST_TOKEN}}"}}})
	wire := string(tr.targets[0].wire)
	if p[0].Vary != nil || !strings.Contains(wire, "GET /s3cret HTTP/1.1\r\n") || !strings.Contains(wire, "X-T: s3cret\r\n") {
		t.Errorf("vary %v, wire %q", p[0].Vary, wire)
	}
}

// A target the wire path does not speak goes to its fallback, and a run
// whose targets it carries none of takes the fallback's path.
func TestWirePathLeavesTheRestToNetHTTP(t *testing.T) {
	ftp := loadgen.Target{URL: "ftp://127.0.0.1:1/c"}
	tr, _ := transportFor(t, loadgen.Target{URL: "http://127.0.0.1:1/a"}, ftp)
	if tr.targets[0] == nil || tr.targets[1] != nil || tr.Path() != send.PathWire {
		t.Errorf("carried %v and %v, path %s: want the http:// URL alone, on the wire path", tr.targets[0], tr.targets[1], tr.Path())
	}
	none, _ := transportFor(t, ftp)
	if none.Path() != send.PathNetHTTP || len(none.endpoints) != 0 {
		t.Errorf("path %s with %d endpoints, want net/http's", none.Path(), len(none.endpoints))
	}
}

// BenchmarkWireSend is one worker's request on the wire path, engine
// aside: write, read and frame the response over a kept-alive connection.
// "fixed" sends the same request each time; "templated" fills {{seq}} in
// the path and {{uuid}} in a header, request after request.
func BenchmarkWireSend(b *testing.B) {
	for _, tt := range []struct {
		name, path string
		header     http.Header
	}{
		{"fixed", "", nil},
		{"templated", "items/{{seq}}", http.Header{"X-Request-Id": {"{{uuid}}"}}},
	} {
		b.Run(tt.name, func(b *testing.B) {
			tr, p := transportFor(b, loadgen.Target{URL: loadtest.CannedResponder(b) + tt.path, Header: tt.header})
			s := tr.Sender(context.Background())
			defer s.Close()
			loadtest.SendLoop(b, s, p[0], 200, 6)
		})
	}
}
