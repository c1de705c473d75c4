package monitor

import (
	"context"
	"net/http"
	"net/http/pprof"
	"runtime"
	"strings"
	"testing"
	"time"
)

// pprofServe serves net/http/pprof as a service mounts it.
func pprofServe(t *testing.T) string {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	return promServe(t, mux).URL
}

func TestPprofGoroutines(t *testing.T) {
	url := pprofServe(t)
	promBlockGoroutines(t, 300)
	tests := []struct{ name, base string }{
		{"base", url + "/debug/pprof"},
		{"base with a slash", url + "/debug/pprof/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewPprofGoroutines(tt.base, nil)
			if got, want := s.Name(), "pprof:"+tt.base; got != want {
				t.Errorf("Name() = %q, want %q", got, want)
			}
			g0 := runtime.NumGoroutine()
			m := promSample(t, s)
			g1 := runtime.NumGoroutine()
			got := m["goroutines"]
			lo, hi := float64(min(g0, g1)-5), float64(max(g0, g1)+5)
			if got < lo || got > hi || len(m) != 1 {
				t.Errorf("Sample = %v, want goroutines within [%v, %v] (runtime.NumGoroutine)", m, lo, hi)
			}
		})
	}
}

func TestPprofErrors(t *testing.T) {
	tests := []struct {
		name    string
		handler http.HandlerFunc
		want    string // in the error
	}{
		{"404", func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }, "404 Not Found"},
		{"garbage", promBody("<html>hello</html>\n"), "not a goroutine profile"},
		{"not a number", promBody("goroutine profile: total many\n"), "not a goroutine profile"},
		{"negative", promBody("goroutine profile: total -3\n"), "not a goroutine profile"},
		{"another profile", promBody("heap profile: 1: 2 [3: 4] @ heap/1048576\n"), "not a goroutine profile"},
		{"empty", promBody(""), "read profile header: EOF"},
		{"one long line", promBody(strings.Repeat("goroutine ", 1<<20)), "not a goroutine profile"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := promServe(t, tt.handler)
			s := NewPprofGoroutines(srv.URL, srv.Client())
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			m, err := s.Sample(ctx)
			if err == nil {
				t.Fatalf("Sample = %v, nil; want an error with %q", m, tt.want)
			}
			prefix := "scrape " + srv.URL + "/goroutine?debug=1: "
			if !strings.HasPrefix(err.Error(), prefix) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, want \"%s…%s…\"", err, prefix, tt.want)
			}
			if len(err.Error()) > 2*pprofHeaderLimit+len(prefix) {
				t.Errorf("error is %d bytes long: want the bad line cut short", len(err.Error()))
			}
		})
	}
}
