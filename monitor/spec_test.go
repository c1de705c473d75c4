package monitor

import (
	"reflect"
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
	for _, in := range []string{"", "pid:", "pid:-1", "pid:abc", "prom:nope", "ftp://x", "http://", "bad name=pid:1", "pid:1,banana", "prom:http://h/m#bad name", "http://h,series"} {
		t.Run(in, func(t *testing.T) {
			if s, err := ParseSpec(in); err == nil {
				t.Errorf("ParseSpec(%q) = %+v, want an error", in, s)
			}
		})
	}
}
