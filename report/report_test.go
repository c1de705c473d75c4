package report

import (
	"bytes"
	"encoding/xml"
	"io"
	"math"
	"strings"
	"testing"
	"time"

	gold "github.com/strain-dev/strain/internal/golden"
)

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	gold.Check(t, name, got)
}

func sampleReport(open bool) *Report {
	r := New()
	r.Started = time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	r.DurationSeconds = 10.002
	r.Load = Load{Model: "closed", Concurrency: 50, Targets: []string{"GET http://127.0.0.1:8080/ok"}}
	r.Summary = map[string]float64{
		"requests": 123456, "errors": 12, "error_rate": 12.0 / 123456, "throughput": 12343.1,
		"bytes_in": 740736, "bytes_out": 0, "unfinished": 50,
		"latency.p50": 0.000873, "latency.p90": 0.0021, "latency.p95": 0.0032, "latency.p99": 0.0125,
		"latency.p999": 0.25, "latency.max": 1.2034, "latency.mean": 0.00101,
	}
	r.StatusCodes = map[string]int64{"200": 123444, "503": 12}
	r.ErrorsByKind = map[string]int64{"http_5xx": 12}
	if open {
		r.Load.Model, r.Load.Rate, r.Load.Concurrency = "open", 12345, 1000
		r.Interrupted = true
		for _, q := range latencyColumns {
			r.Summary["latency_uncorrected."+q] = r.Summary["latency."+q] / 10
		}
		r.Summary["late"], r.Summary["dropped"] = 3, 0
		r.Warnings = []string{"generator saturated"}
		r.Alerts = []Alert{
			{T: 3, Rule: "target.sched_latency.p99 > 10ms for 2s", State: "pending", Severity: "warning", Shown: "12ms"},
			{T: 5, Rule: "target.sched_latency.p99 > 10ms for 2s", State: "firing", Severity: "warning", Shown: "14ms"},
			{T: 9, Rule: "target.sched_latency.p99 > 10ms for 2s", State: "resolved", Severity: "warning", Shown: "2ms"},
		}
		r.Gates = []Gate{
			{Expr: "latency.p99 < 200ms", Value: 0.0125, Shown: "12.5ms", Pass: true, Kind: "gate"},
			{Expr: "target.goroutines.max < 5000", Shown: "no data", NoData: true, Kind: "gate"},
			{Expr: "findings.critical == 0", Value: 1, Shown: "1", Kind: "gate"},
		}
		r.Passed = false
		r.Profiles = []Profile{{Path: "profiles/api-cpu-20261121T120005Z-sched_latency.pb.gz", Kind: "cpu", Reason: "sched_latency.p99"}}
		r.Findings = []Finding{
			{Kind: "starvation", Severity: "critical", Target: "api", Start: 4, End: 9,
				Summary:  "api: ready work waited up to 124ms to run while the service used 177% of its 200% CPU.",
				Culprit:  "Busiest: target.hog 87%.",
				Evidence: []Evidence{{Metric: "target.sched_latency.p99", Value: 0.124, Shown: "124ms"}, {Profile: "profiles/api-cpu-20261121T120005Z-diagnose-starvation.pb.gz", Top: []string{"target.hog 87%", "runtime.memmove 3%"}}},
				Next:     "Make the busiest functions cheaper."},
			{Kind: "insufficient_data", Severity: "info", Summary: "api: its source gives too little to judge contention.", Evidence: []Evidence{}, Unjudged: []Kind{Contention}},
		}
	}
	return r
}

func TestWriteTextGolden(t *testing.T) {
	for name, open := range map[string]bool{"closed.txt": false, "open.txt": true} {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := sampleReport(open).WriteText(&buf); err != nil {
				t.Fatal(err)
			}
			golden(t, name, buf.Bytes())
		})
	}
}

func TestJSONRoundTrip(t *testing.T) {
	r := sampleReport(true)
	r.Series = []Point{{T: 1, Metrics: map[string]float64{"throughput": 100, "latency.p99": math.NaN()}}}
	r.Summary["bad"] = math.Inf(1)
	var buf bytes.Buffer
	if err := r.WriteJSON(&buf); err != nil {
		t.Fatalf("WriteJSON: %v", err)
	}
	for _, key := range []string{`"schema": "strain.report/v1"`, `"duration_seconds"`, `"interrupted": true`, `"status_codes"`, `"errors_by_kind"`, `"series"`, `"alerts": [`, `"gates": [`, `"profiles": [`, `"passed": false`} {
		if !strings.Contains(buf.String(), key) {
			t.Errorf("JSON lacks %s", key)
		}
	}
	back, err := Read(&buf)
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	if back.Summary["requests"] != 123456 || back.Series[0].Metrics["throughput"] != 100 {
		t.Errorf("round trip lost values: %v", back.Summary)
	}
	if _, ok := back.Summary["bad"]; ok {
		t.Error("an infinite summary value was written")
	}
	if _, ok := back.Series[0].Metrics["latency.p99"]; ok {
		t.Error("a NaN series value was written")
	}
}

func TestSummarize(t *testing.T) {
	r := New()
	for i, v := range []float64{3, 1, 4, 1, 5} {
		r.Series = append(r.Series, Point{T: float64(i + 1), Metrics: map[string]float64{"throughput": v}})
	}
	r.Series = append(r.Series, Point{T: 6, Metrics: map[string]float64{}})
	r.Summarize("throughput", "absent")
	want := map[string]float64{"throughput.min": 1, "throughput.mean": 2.8, "throughput.max": 5, "throughput.last": 5}
	for k, v := range want {
		if got := r.Summary[k]; math.Abs(got-v) > 1e-12 {
			t.Errorf("%s = %v, want %v", k, got, v)
		}
	}
	if _, ok := r.Summary["absent.max"]; ok {
		t.Error("a metric with no data was summarised")
	}
}

func TestEmptyListsEncodeAsArrays(t *testing.T) {
	var buf bytes.Buffer
	if err := New().WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{`"alerts": []`, `"gates": []`, `"profiles": []`, `"series": []`, `"warnings": []`, `"passed": true`} {
		if !strings.Contains(buf.String(), key) {
			t.Errorf("JSON lacks %s", key)
		}
	}
}

func TestRenderersGolden(t *testing.T) {
	r := sampleReport(true)
	r.Summary["target.goroutines.min"], r.Summary["target.goroutines.mean"], r.Summary["target.goroutines.max"], r.Summary["target.goroutines.last"] = 20, 400.5, 1020, 1020
	r.Summary["target.sched_latency.p99.min"], r.Summary["target.sched_latency.p99.mean"], r.Summary["target.sched_latency.p99.max"], r.Summary["target.sched_latency.p99.last"] = 0.00001, 0.004, 0.03, 0.002
	r.Profiles = []Profile{{Path: "profiles/api-cpu-20261121T120005Z-sched_latency.pb.gz", Kind: "cpu", Reason: "alert target.sched_latency.p99 > 10ms for 2s"}}
	// A second target seen only through its pid and a picked Prometheus
	// series: it shows with the metrics it has.
	r.Summary["target[db].cpu.min"], r.Summary["target[db].cpu.mean"], r.Summary["target[db].cpu.max"], r.Summary["target[db].cpu.last"] = 2, 40, 93, 12
	r.Summary["target[db].py_event_loop_lag_seconds.min"], r.Summary["target[db].py_event_loop_lag_seconds.mean"] = 0.001, 0.004
	r.Summary["target[db].py_event_loop_lag_seconds.max"], r.Summary["target[db].py_event_loop_lag_seconds.last"] = 0.02, 0.002
	for i := range 10 {
		t := float64(i + 1)
		r.Series = append(r.Series, Point{T: t, Metrics: map[string]float64{
			"throughput": 12000 + 100*t, "latency.p50": 0.0008, "latency.p99": 0.01 + 0.001*t,
			"target.goroutines": 20 + 100*t, "target.sched_latency.p99": 0.003 * t, "target[db].cpu": 9 * t,
			"target[db].py_event_loop_lag_seconds": 0.002 * t,
		}})
	}
	renders := map[string]func(io.Writer) error{"report.xml": r.WriteJUnit, "report.md": r.WriteMarkdown, "report.json": r.WriteJSON, "report.html": r.WriteHTML}
	for name, render := range renders {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := render(&buf); err != nil {
				t.Fatal(err)
			}
			golden(t, name, buf.Bytes())
		})
	}
}

func TestJUnitParses(t *testing.T) {
	var buf bytes.Buffer
	if err := sampleReport(true).WriteJUnit(&buf); err != nil {
		t.Fatal(err)
	}
	var doc junitSuites
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("JUnit does not parse: %v", err)
	}
	// run (interrupted) + 3 gates + a case per kind diagnosis judged (9 of
	// the 11: not insufficient_data, nor contention, which it could not
	// judge), of which the run, the no-data gate, the gate on critical
	// findings and the critical starvation that failed it fail.
	if doc.Tests != 13 || doc.Failures != 4 || len(doc.Suite.Cases) != 13 {
		t.Errorf("tests %d failures %d cases %d", doc.Tests, doc.Failures, len(doc.Suite.Cases))
	}
}

// A rule that was only ever pending is not an alert: no heading for it.
func TestTextHasNoEmptyAlertsHeading(t *testing.T) {
	r := sampleReport(false)
	r.Alerts = []Alert{{T: 1, Rule: "error_rate > 1% for 5s", State: "pending", Severity: "warning", Shown: "2.00%"}}
	var buf bytes.Buffer
	if err := r.WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "alerts") {
		t.Errorf("summary has an alerts heading with no alert under it:\n%s", buf.String())
	}
}
