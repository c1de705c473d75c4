package profiles

import (
	"strings"
	"testing"
	"time"
)

func TestFileName(t *testing.T) {
	at := time.Date(2026, 11, 21, 13, 1, 2, 0, time.FixedZone("CET", 3600))
	tests := []struct {
		target string
		kind   Kind
		reason string
		seq    int
		want   string
	}{
		{"api", CPU, "sched_latency", 1, "api-cpu-20261121T120102Z-sched_latency.pb.gz"},
		{"api", Heap, "", 1, "api-heap-20261121T120102Z.pb.gz"},
		{"127.0.0.1:8080", Trace, "manual", 1, "127.0.0.1_8080-trace-20261121T120102Z-manual.trace"},
		{"api", Flight, "target.sched_latency.p99 > 10ms for 10s", 1, "api-flight-20261121T120102Z-target.sched_latency.p99_10ms_for_10s.trace"},
		{"../../etc", Goroutine, "a/b\\c", 3, "etc-goroutine-20261121T120102Z-a_b_c-3.pb.gz"},
		{"", Mutex, "é!", 1, "target-mutex-20261121T120102Z.pb.gz"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := fileName(tt.target, tt.kind, at, tt.reason, tt.seq); got != tt.want {
				t.Errorf("fileName(%q, %s, %q, %d) = %q, want %q", tt.target, tt.kind, tt.reason, tt.seq, got, tt.want)
			}
		})
	}
	long := fileName(strings.Repeat("x", 500), CPU, at, strings.Repeat("y", 500), 1)
	if len(long) > 2*maxNamePart+40 {
		t.Errorf("a long target and reason make a %d-byte name", len(long))
	}
}
