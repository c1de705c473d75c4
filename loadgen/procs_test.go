package loadgen

import (
	"runtime"
	"strconv"
	"testing"
)

func TestDefaultProcs(t *testing.T) {
	t.Setenv("GOMAXPROCS", "") // an empty value is unset for the runtime and for DefaultProcs
	all := runtime.GOMAXPROCS(0)
	local := []Target{{URL: "http://127.0.0.1:8080/"}, {URL: "http://[::1]:8080/x"}, {URL: "https://localhost/"}}
	remote := append(local, Target{URL: "http://10.0.0.7/"})
	cases := []struct {
		name  string
		cfg   Config
		procs int
	}{
		{"loopback closed: half", Config{Targets: local}, max(1, all/2)},
		{"loopback open: one more for the pacer", Config{Targets: local, Rate: 100}, max(max(1, all/2), min(2, all))},
		{"a remote target: all", Config{Targets: remote}, all},
		{"no targets: all", Config{}, all},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := DefaultProcs(c.cfg); got != c.procs {
				t.Errorf("DefaultProcs = %d, want %d", got, c.procs)
			}
		})
	}
	t.Setenv("GOMAXPROCS", strconv.Itoa(all))
	if got := DefaultProcs(Config{Targets: local}); got != all {
		t.Errorf("GOMAXPROCS set: DefaultProcs = %d, want the runtime's %d", got, all)
	}
}

func TestConfigLoopback(t *testing.T) {
	cases := []struct {
		url  string
		want bool
	}{
		{"http://127.0.0.1:8080/", true},
		{"http://127.1.2.3/", true},
		{"http://[::1]:8080/x", true},
		{"https://localhost/", true},
		{"http://10.0.0.7/", false},
		{"http://example.com/", false},
		{"http://localhost.example.com/", false},
		{"::not a url", false},
	}
	for _, c := range cases {
		t.Run(c.url, func(t *testing.T) {
			if got := (Config{Targets: []Target{{URL: c.url}}}).Loopback(); got != c.want {
				t.Errorf("Loopback = %v, want %v", got, c.want)
			}
		})
	}
	if (Config{}).Loopback() {
		t.Error("a config without targets is on loopback")
	}
}
