package target

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"runtime"
	"strings"
	"testing"
)

func TestPprofEndpoints(t *testing.T) {
	_, ts := start(t, Options{})
	tests := []struct {
		path string
		want string // a substring of the body
	}{
		{"/debug/pprof/", "goroutine"},
		{"/debug/pprof/goroutine?debug=1", "goroutine profile:"},
		{"/debug/pprof/cmdline", ""},
		{"/debug/pprof/mutex?debug=1", "mutex"},
		{"/debug/pprof/block?debug=1", "contention"},
		{"/debug/pprof/threadcreate?debug=1", "threadcreate profile:"},
		{"/debug/pprof/allocs?debug=1", "heap profile:"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			if body := mustGet(t, ts, tt.path, http.StatusOK); !strings.Contains(body, tt.want) {
				t.Errorf("GET %s: want a body containing %q, got:\n%.500s", tt.path, tt.want, body)
			}
		})
	}
}

func TestPprofHeapIsGzippedProfile(t *testing.T) {
	_, ts := start(t, Options{})
	raw := gunzip(t, mustGet(t, ts, "/debug/pprof/heap", http.StatusOK))
	if len(raw) == 0 {
		t.Error("/debug/pprof/heap: got an empty profile")
	}
}

func TestPprofCPUProfileShowsBurnCPU(t *testing.T) {
	_, ts := start(t, Options{})
	profile := sendAsync(ts, "/debug/pprof/profile?seconds=1")
	// Keep burning until the profile is back, so it cannot miss burnCPU.
	var res result
	for burning := true; burning; {
		mustGet(t, ts, "/cpu?ms=50", http.StatusOK)
		select {
		case res = <-profile:
			burning = false
		default:
		}
	}
	if res.err != nil || res.code != http.StatusOK {
		t.Fatalf("/debug/pprof/profile: got %d, %v; want 200", res.code, res.err)
	}
	// Function names sit uncompressed in the profile's string table.
	if raw := gunzip(t, res.body); !bytes.Contains(raw, []byte("target.burnCPU")) {
		t.Error("CPU profile while /cpu runs: want target.burnCPU in it, found none")
	}
}

func TestProfileRatesOption(t *testing.T) {
	t.Cleanup(func() {
		runtime.SetMutexProfileFraction(0)
		runtime.SetBlockProfileRate(0)
	})
	New(Options{ProfileRates: true})
	if got := runtime.SetMutexProfileFraction(-1); got != 5 {
		t.Errorf("mutex profile fraction after New(ProfileRates): got %d, want 5", got)
	}
}

// gunzip decompresses a pprof protobuf response.
func gunzip(t *testing.T, body string) []byte {
	t.Helper()
	zr, err := gzip.NewReader(strings.NewReader(body))
	if err != nil {
		t.Fatalf("open gzip profile: %v", err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("read gzip profile: %v", err)
	}
	return raw
}
