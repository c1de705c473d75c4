package metric

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
)

func TestKeyRoundTrips(t *testing.T) {
	tests := []struct {
		name string
		want Key
	}{
		{"latency.p99", Key{LoadScope, "latency.p99"}},
		{"requests", Key{LoadScope, "requests"}},
		{"self.sched_latency.p99", Key{SelfScope, "sched_latency.p99"}},
		{"target.goroutines", Key{OneTarget, "goroutines"}},
		{"target[api].rss", Key{TargetScope("api"), "rss"}},
		{"target[127.0.0.1:8080].sched_latency.p99", Key{TargetScope("127.0.0.1:8080"), "sched_latency.p99"}},
		{"target[a.b.c].cpu.max", Key{TargetScope("a.b.c"), "cpu.max"}},
		{"target[].cpu", Key{LoadScope, "target[].cpu"}}, // not a target's: no name
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Parse(tt.name)
			if got != tt.want {
				t.Fatalf("Parse(%q) = %+v, want %+v", tt.name, got, tt.want)
			}
			if s := got.String(); s != tt.name {
				t.Errorf("String() = %q, want %q", s, tt.name)
			}
		})
	}
}

func TestCanonical(t *testing.T) {
	for in, want := range map[string]string{
		"target[api].rss": "target.rss", "target.rss": "target.rss", "self.cpu": "self.cpu", "error_rate": "error_rate",
	} {
		if got := Canonical(in); got != want {
			t.Errorf("Canonical(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLookup(t *testing.T) {
	cat := NewCatalogue("py_event_loop_lag_seconds", "queue_depth")
	tests := []struct {
		name      string
		summaries bool
		want      Unit
		err       string
	}{
		{"latency.p99", false, Seconds, ""},
		{"target[api].sched_latency.p99", false, Seconds, ""},
		{"self.rss", false, Bytes, ""},
		{"error_rate", false, Ratio, ""},
		{"target.cpu.max", true, Percent, ""},
		{"target.cpu.max", false, Unknown, "unknown metric"},
		{"target.py_event_loop_lag_seconds", false, Seconds, ""},
		{"target.queue_depth", false, Unknown, ""},
		{"latncy.p99", false, Unknown, "did you mean latency.p99"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := cat.Lookup(tt.name, tt.summaries)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("Lookup = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

func TestSummary(t *testing.T) {
	cat := NewCatalogue()
	if s, stat, ok := cat.Summary("target[x].goroutines.max"); !ok || s != "target[x].goroutines" || stat != "max" {
		t.Errorf("Summary = %q %q %v", s, stat, ok)
	}
	if _, _, ok := cat.Summary("latency.max"); ok {
		t.Error("latency.max is a statistic, not a summary")
	}
}

// One formatter: the same value of the same metric prints the same
// wherever it is shown (the README once showed 101.095ms beside 101ms).
func TestFormat(t *testing.T) {
	tests := []struct {
		name string
		v    float64
		want string
	}{
		{"target.sched_latency.p99", 0.101095, "101ms"},
		{"target[api].sched_latency.p99", 0.0000873, "87.3µs"},
		{"latency.p99.max", 2.5, "2.50s"}, // not a summary, but a latency all the same
		{"target.rss.max", 31.2 * (1 << 20), "31.2 MiB"},
		{"self.rss", 512, "512 B"},
		{"error_rate", 0.0005, "0.05%"},
		{"target.cpu", 155.4, "155%"},
		{"requests", 4000, "4000"},
		{"throughput", 1999.04, "1999.0"},
		{"target.goroutines_growth", 138.48, "138.5"},
		{"target.some_series", 0.001234, "0.00123"},
		{"target.some_series", 0, "0"},
		{"target[py].py_event_loop_lag_seconds.max", 0.0213, "21.3ms"},
		{"latency.p50", 0, "0s"},
		{"target.sched_latency.p99", 0.000000192, "192ns"},
		{"latency.max", 900, "15.0m"},
		{"findings.leak", 2, "2"}, // a count, though its kind is diagnosis'
	}
	for _, tt := range tests {
		if got := Format(tt.name, tt.v); got != tt.want {
			t.Errorf("Format(%q, %v) = %q, want %q", tt.name, tt.v, got, tt.want)
		}
	}
}

func TestFormatRange(t *testing.T) {
	for _, c := range []struct {
		name    string
		b       Bounds
		rng, in string
	}{
		{"target.sched_latency.p99", Bounds{0.000918, 0.0105}, "918µs–10.5ms", "between 918µs and 10.5ms"},
		{"target.sched_latency.p99", Bounds{0.0012, 0.0105}, "1.20–10.5ms", "between 1.20ms and 10.5ms"},
		{"target.gc_pause.p99", Exact(0.002), "2.00ms", "2.00ms"},
		{"target.heap", Bounds{1 << 20, 3 << 20}, "1.00–3.00 MiB", "between 1.00 MiB and 3.00 MiB"},
	} {
		if got := FormatRange(c.name, c.b); got != c.rng {
			t.Errorf("FormatRange(%s, %v) = %q, want %q", c.name, c.b, got, c.rng)
		}
		if got := FormatBetween(c.name, c.b); got != c.in {
			t.Errorf("FormatBetween(%s, %v) = %q, want %q", c.name, c.b, got, c.in)
		}
	}
}

func TestBoundsJSON(t *testing.T) {
	b := Bounds{0.001, 0.01}
	data, err := json.Marshal(b)
	if err != nil || string(data) != "[0.001,0.01]" {
		t.Fatalf("Marshal = %s, %v; want [0.001,0.01]", data, err)
	}
	var back Bounds
	if err := json.Unmarshal(data, &back); err != nil || back != b {
		t.Fatalf("Unmarshal = %v, %v; want %v", back, err, b)
	}
	if err := json.Unmarshal([]byte("[2,1]"), &back); err == nil {
		t.Error("Unmarshal [2,1]: want an error, lo > hi")
	}
}

// A value past a histogram's last finite bucket is known only from below.
func TestBoundsOpenAbove(t *testing.T) {
	b := Bounds{Lo: 10, Hi: math.Inf(1)}
	if !b.Valid() || b.Exact() {
		t.Fatalf("%v: want a valid range, not exact", b)
	}
	if got := FormatRange("target.sched_latency.p99", b); got != "≥10.0s" {
		t.Errorf("FormatRange = %q, want ≥10.0s", got)
	}
	if got := FormatBetween("target.sched_latency.p99", b); got != "at least 10.0s" {
		t.Errorf("FormatBetween = %q, want at least 10.0s", got)
	}
	data, err := json.Marshal(b)
	if err != nil || string(data) != "[10,null]" {
		t.Fatalf("Marshal = %s, %v; want [10,null]", data, err)
	}
	var back Bounds
	if err := json.Unmarshal(data, &back); err != nil || back != b {
		t.Errorf("Unmarshal = %v, %v; want %v", back, err, b)
	}
}
