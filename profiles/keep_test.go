package profiles

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/strain-dev/strain/target"
	"github.com/strain-dev/strain/vitals"
)

func TestBadCapturesLeaveNoFile(t *testing.T) {
	// A service whose /debug/pprof/ answers but serves nothing valid.
	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/debug/pprof/heap":
			w.Write([]byte("<html>not a profile</html>"))
		case "/debug/pprof/allocs":
			w.Write([]byte{0x1f, 0x8b, 0x08, 0, 0, 0, 0}) // gzip cut short
		case "/debug/pprof/trace":
			w.Write([]byte("PK\x03\x04 not a trace"))
		case "/debug/pprof/goroutine":
			// an empty 200
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(bad.Close)
	tests := []struct {
		kind Kind
		want string // in the error
	}{
		{Heap, "capture bad heap: "},
		{Allocs, "capture bad allocs: "},
		{Trace, `capture bad trace: not a Go execution trace`},
		{Goroutine, "capture bad goroutine: empty body"},
		{Mutex, "capture bad mutex: GET " + bad.URL + "/debug/pprof/mutex: 404 Not Found"},
		{Flight, "capture bad flight: GET " + bad.URL + "/debug/strain/flight: 404 Not Found"},
	}
	c := open(t, Config{})
	for _, tt := range tests {
		t.Run(string(tt.kind), func(t *testing.T) {
			cp := one(t, c, Request{Target: "bad", URL: bad.URL, Kinds: []Kind{tt.kind}, Duration: time.Second})
			if cp.Err == nil || !strings.Contains(cp.Err.Error(), tt.want) || cp.Written() {
				t.Errorf("got written %v, err %v; want an error containing %q", cp.Written(), cp.Err, tt.want)
			}
		})
	}
	if left := files(t, c.Dir()); len(left) != 0 {
		t.Errorf("bad captures left files behind: %v", left)
	}
}

func TestUnreachableTargetIsAnError(t *testing.T) {
	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close()
	c := open(t, Config{})
	cp := one(t, c, Request{Target: "dead", URL: dead.URL, Kinds: []Kind{Heap}})
	if cp.Err == nil || !strings.HasPrefix(cp.Err.Error(), "capture dead heap: ") {
		t.Errorf("capture from a closed port: got %v, want an error naming target and kind", cp.Err)
	}
}

func TestOpenRejectsABadDirectory(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, dir string }{
		{"a file", file},
		{"under a file", filepath.Join(file, "profiles")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Open(Config{Dir: tt.dir})
			if err == nil || !strings.HasPrefix(err.Error(), "profiles directory "+tt.dir+": ") {
				t.Errorf("Open(%s): got %v, want an error naming the directory", tt.dir, err)
			}
		})
	}
	if os.Geteuid() != 0 { // root writes anywhere
		ro := t.TempDir()
		os.Chmod(ro, 0o500)
		if _, err := Open(Config{Dir: ro}); err == nil || !strings.Contains(err.Error(), "permission denied") {
			t.Errorf("Open(a read-only directory): got %v, want permission denied", err)
		}
	}
	// A missing directory, under missing ones (a fresh volume's
	// /results/profiles/segment-0), is made with them at the first file.
	dir := filepath.Join(t.TempDir(), "results", "profiles", "segment-0")
	if _, err := Open(Config{Dir: dir}); err != nil {
		t.Errorf("Open(%s): %v", dir, err)
	}
	if err := makeDir(dir); err != nil {
		t.Errorf("makeDir(%s): %v", dir, err)
	} else if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		t.Errorf("%s was not made: %v", dir, err)
	}
}

func TestIndexListsEveryCapture(t *testing.T) {
	base := demo(t, target.Options{})
	dir := t.TempDir()
	load := map[string]float64{"throughput": 1234, "concurrency": 10, "latency.p99": 0.012}
	c := open(t, Config{Dir: dir})
	req := Request{Target: "api", URL: base, Kinds: []Kind{Heap, Goroutine}, Reason: "sched_latency", Alert: "target.sched_latency.p99 > 10ms", Load: load}
	if err := c.Capture(t.Context(), req); err != nil {
		t.Fatal(err)
	}
	for _, cp := range results(t, c, 2) {
		mustWrite(t, cp)
	}
	c.Close()
	// A second run in the same directory adds to the index.
	c = open(t, Config{Dir: dir})
	mustWrite(t, one(t, c, Request{Target: "api", URL: base, Kinds: []Kind{Allocs}}))

	b, err := os.ReadFile(filepath.Join(dir, IndexFile))
	if err != nil {
		t.Fatal(err)
	}
	var idx Index
	if err := json.Unmarshal(b, &idx); err != nil {
		t.Fatal(err)
	}
	if idx.Schema != IndexSchema || len(idx.Captures) != 3 {
		t.Fatalf("index: got schema %q and %d captures, want %q and 3:\n%s", idx.Schema, len(idx.Captures), IndexSchema, b)
	}
	for _, e := range idx.Captures[:2] {
		st, err := os.Stat(filepath.Join(dir, e.Path))
		if err != nil || st.Size() != e.Bytes || e.Target != "api" || e.Reason != "sched_latency" ||
			e.Alert != req.Alert || e.Load["throughput"] != 1234 || time.Since(e.Time) > time.Minute {
			t.Errorf("index entry %+v: file %v, %v", e, st, err)
		}
	}
	if !bytes.Contains(b, []byte(`"latency.p99": 0.012`)) {
		t.Errorf("index lacks the load:\n%s", b)
	}
}

func TestSelfCaptures(t *testing.T) {
	c := open(t, Config{})
	kinds := []Kind{CPU, Heap, Allocs, Goroutine, Mutex, Block, ThreadCreate, Trace}
	if err := c.Capture(t.Context(), Request{Kinds: kinds, Duration: 200 * time.Millisecond, Reason: "self"}); err != nil {
		t.Fatal(err)
	}
	for _, cp := range results(t, c, len(kinds)) {
		mustWrite(t, cp)
		if cp.Target != "self" || !strings.HasPrefix(filepath.Base(cp.Path), "self-"+string(cp.Kind)+"-") {
			t.Errorf("self capture: target %q, path %s", cp.Target, cp.Path)
		}
		if cp.Kind.isTrace() {
			continue
		}
		read(t, cp.Path) // parses
	}
	cp := one(t, c, Request{Kinds: []Kind{Flight}})
	if cp.Err == nil {
		t.Error("flight capture of strain itself: want an error, strain runs no flight recorder")
	}
}

func TestFlightCapture(t *testing.T) {
	vitals.StopFlightRecorder()
	t.Cleanup(vitals.StopFlightRecorder)
	base := demo(t, target.Options{FlightRecorder: true})
	get(t, base+"/cpu?ms=20")
	c := open(t, Config{})
	cp := mustWrite(t, one(t, c, Request{Target: "api", URL: base, Kinds: []Kind{Flight}, Reason: "stall"}))
	b, err := os.ReadFile(cp.Path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("go 1.")) || !strings.HasSuffix(cp.Path, "-stall.trace") {
		t.Errorf("flight capture %s: starts %.16q", cp.Path, b)
	}
}

func TestCloseCancelsAndRefuses(t *testing.T) {
	base := demo(t, target.Options{})
	c, err := Open(Config{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Capture(t.Context(), Request{URL: base, Kinds: []Kind{CPU}, Duration: time.Minute}); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { c.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(testTimeout):
		t.Fatal("Close did not cancel a minute-long CPU capture")
	}
	for cp := range c.Results() { // closed by Close
		if cp.Written() {
			t.Errorf("a cancelled capture was written: %s", cp.Path)
		}
	}
	if err := c.Capture(t.Context(), Request{Kinds: []Kind{Heap}}); !errors.Is(err, ErrClosed) {
		t.Errorf("Capture after Close: got %v, want ErrClosed", err)
	}
	c.Close() // twice is harmless
}

func TestCaptureRejectsABadRequest(t *testing.T) {
	c := open(t, Config{})
	for _, req := range []Request{
		{},
		{Kinds: []Kind{"cpuu"}},
		{URL: "127.0.0.1:8080", Kinds: []Kind{Heap}},
	} {
		if err := c.Capture(t.Context(), req); err == nil {
			t.Errorf("Capture(%+v): want an error", req)
		}
	}
}
