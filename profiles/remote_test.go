package profiles

import (
	"testing"
	"time"
)

func TestEndpoints(t *testing.T) {
	tests := []struct {
		in, pprof, flight string
	}{
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080/debug/pprof/", "http://127.0.0.1:8080/debug/strain/flight"},
		{"http://127.0.0.1:8080/", "http://127.0.0.1:8080/debug/pprof/", "http://127.0.0.1:8080/debug/strain/flight"},
		{"http://127.0.0.1:8080/debug/pprof/", "http://127.0.0.1:8080/debug/pprof/", "http://127.0.0.1:8080/debug/strain/flight"},
		{"http://h/debug/pprof", "http://h/debug/pprof/", "http://h/debug/strain/flight"},
		{"https://h/svc/debug/pprof/?x=1", "https://h/svc/debug/pprof/", "https://h/svc/debug/strain/flight"},
		{"https://h/svc", "https://h/svc/debug/pprof/", "https://h/svc/debug/strain/flight"},
	}
	for _, tt := range tests {
		pp, fl, err := Endpoints(tt.in)
		if err != nil || pp != tt.pprof || fl != tt.flight {
			t.Errorf("Endpoints(%q) = %q, %q, %v; want %q, %q", tt.in, pp, fl, err, tt.pprof, tt.flight)
		}
	}
	for _, bad := range []string{"", "127.0.0.1:8080", "ftp://h/", "http://"} {
		if _, _, err := Endpoints(bad); err == nil {
			t.Errorf("Endpoints(%q): want an error", bad)
		}
	}
}

func TestRemoteURL(t *testing.T) {
	const base, flight = "http://h/debug/pprof/", "http://h/debug/strain/flight"
	tests := []struct {
		k    Kind
		d    time.Duration
		want string
	}{
		{CPU, 10 * time.Second, base + "profile?seconds=10"},
		{CPU, 1500 * time.Millisecond, base + "profile?seconds=2"},
		{CPU, 0, base + "profile?seconds=1"},
		{Trace, 5 * time.Second, base + "trace?seconds=5"},
		{Heap, 0, base + "heap"},
		{ThreadCreate, 0, base + "threadcreate"},
		{Flight, 0, flight},
	}
	for _, tt := range tests {
		if got := remoteURL(base, flight, tt.k, tt.d); got != tt.want {
			t.Errorf("remoteURL(%s, %v) = %q, want %q", tt.k, tt.d, got, tt.want)
		}
	}
}
