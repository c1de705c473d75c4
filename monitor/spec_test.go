package monitor

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseSpec(t *testing.T) {
	tests := []struct {
		in   string
		want Spec
	}{
		{"http://127.0.0.1:8080", Spec{Name: "127.0.0.1:8080", Bases: []string{"http://127.0.0.1:8080"}}},
		{"api=http://127.0.0.1:8080/,pid:4242", Spec{Name: "api", Bases: []string{"http://127.0.0.1:8080"}, Pids: []int{4242}}},
		{"pid:99", Spec{Name: "99", Pids: []int{99}}},
		{"node=prom:http://127.0.0.1:9229/metrics#nodejs_eventloop_lag_seconds,nodejs_heap_size_used_bytes,pid:7",
			Spec{Name: "node", Pids: []int{7}, Proms: []PromSpec{{URL: "http://127.0.0.1:9229/metrics", Series: []string{"nodejs_eventloop_lag_seconds", "nodejs_heap_size_used_bytes"}}}}},
		{"pprof:http://[::1]:6060/debug/pprof/", Spec{Name: "[::1]:6060", Pprof: []string{"http://[::1]:6060/debug/pprof"}}},
		// A selector, with a comma and an escaped quote inside it.
		{`prom:http://h:9090/federate#go_goroutines{instance="a:1",job="x\"y"},up,pid:3`,
			Spec{Name: "h:9090", Pids: []int{3}, Proms: []PromSpec{{URL: "http://h:9090/federate", Series: []string{"go_goroutines", "up"},
				Selectors: map[string]Selector{"go_goroutines": {"instance": "a:1", "job": `x"y`}}}}}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseSpec(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestParseSpecErrors(t *testing.T) {
	for _, in := range []string{"", "pid:", "pid:-1", "pid:abc", "prom:nope", "ftp://x", "http://", "bad name=pid:1", "pid:1,banana", "prom:http://h/m#bad name", "http://h,series",
		`prom:http://h/m#a{x="1"`, `prom:http://h/m#a{x=1}`, `prom:http://h/m#a{}`, `prom:http://h/m#a{x="1" y="2"}`, `prom:http://h/m#a{x="1",x="2"}`,
		`prom:http://h/m#a{x="1"},a{y="2"}`, `prom:http://h/m#a{x="}`, `prom:http://h/m#a{{x="1"}}`, `prom:http://h/m#a}`} {
		t.Run(in, func(t *testing.T) {
			if s, err := ParseSpec(in); err == nil {
				t.Errorf("ParseSpec(%q) = %+v, want an error", in, s)
			}
		})
	}
}

func TestParseSpecs(t *testing.T) {
	specs, err := ParseSpecs([]string{"http://127.0.0.1:8080", "db=pid:7"}, "self")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range specs {
		names = append(names, s.Name)
	}
	if want := []string{"127.0.0.1:8080", "db"}; !reflect.DeepEqual(names, want) {
		t.Errorf("names = %q, want %q", names, want)
	}
	errs := []struct {
		name     string
		raw      []string
		reserved []string
		want     string
	}{
		{"malformed", []string{"pid:x"}, nil, `watch "pid:x": "pid:x": want pid:N`},
		{"two of one name", []string{"a=pid:1", "a=pid:2"}, nil, `watch "a=pid:2": the name "a" is taken; name it: NAME=a=pid:2`},
		{"same URL twice", []string{"http://h:1", "http://h:1/"}, nil, `watch "http://h:1/": the name "h:1" is taken`},
		{"reserved", []string{"self=pid:1"}, []string{"self"}, `watch "self=pid:1": the name "self" is taken`},
	}
	for _, c := range errs {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseSpecs(c.raw, c.reserved...)
			if err == nil || !strings.HasPrefix(err.Error(), c.want) {
				t.Errorf("err = %v, want it to start %q", err, c.want)
			}
		})
	}
}

// An endpoint's own URL stands for the service that serves it, and a
// port out of range is bad input.
func TestSpecEndpointURLAndPort(t *testing.T) {
	for _, raw := range []string{"http://127.0.0.1:8080/debug/strain", "http://127.0.0.1:8080/metrics", "http://127.0.0.1:8080/debug/pprof/", "http://127.0.0.1:8080/"} {
		s, err := ParseSpec(raw)
		if err != nil || len(s.Bases) != 1 || s.Bases[0] != "http://127.0.0.1:8080" || s.Name != "127.0.0.1:8080" {
			t.Errorf("%s: %+v, %v", raw, s, err)
		}
	}
	if _, err := ParseSpec("http://127.0.0.1:99999"); err == nil || !strings.Contains(err.Error(), "port 99999") {
		t.Errorf("port 99999: %v", err)
	}
}
