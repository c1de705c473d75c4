package report

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/strain-dev/strain/metric"
)

// capacityReport is a search that found 1950 req/s, bound by p99.
func capacityReport() *Report {
	r := New()
	c := 1950.0
	r.Capacity = &c
	r.Load = Load{Model: "open", Concurrency: 1000, Targets: []string{"GET http://127.0.0.1:8080/"}}
	r.Search = &Search{SLOs: []string{"latency.p99 < 50ms"}, Start: 100, Ceiling: 1e5, Precision: 0.05, Outcome: OutcomeFound, Range: [2]float64{1950, 2000}}
	step := func(rate, p99 float64, pass bool) Step {
		return Step{Rate: rate, DurationSeconds: 5, Pass: pass,
			Summary: map[string]float64{"throughput": rate, "latency.p50": p99 / 2, "latency.p99": p99, "error_rate": 0, "target.cpu.mean": rate / 20},
			SLOs:    []Gate{{Expr: "latency.p99 < 50ms", Value: p99, Shown: metric.FormatSeconds(p99), Pass: pass, Kind: "slo"}}}
	}
	r.Steps = []Step{step(1600, 0.012, true), step(2000, 0.0712, false), step(1950, 0.031, true)}
	r.BoundBy = &Bound{SLO: "latency.p99 < 50ms", Metric: "latency.p99", Rate: 2000, Value: 0.0712, Shown: "71.2ms", Threshold: 0.05, Excess: 0.424, AtCapacity: 0.031, AtCapacityShown: "31.0ms"}
	r.Summary = map[string]float64{"capacity": 1950, "requests": 9750, "throughput": 1950, "latency.p50": 0.0155, "latency.p99": 0.031}
	r.Series = []Point{{T: 1, Metrics: map[string]float64{"rate": 1600, "throughput": 1600, "target.cpu": 80}}}
	return r
}

func TestCapacityRenders(t *testing.T) {
	r := capacityReport()
	render := map[string]func(*Report, *bytes.Buffer) error{
		"text":     func(r *Report, b *bytes.Buffer) error { return r.WriteText(b) },
		"markdown": func(r *Report, b *bytes.Buffer) error { return r.WriteMarkdown(b) },
		"html":     func(r *Report, b *bytes.Buffer) error { return r.WriteHTML(b) },
		"junit":    func(r *Report, b *bytes.Buffer) error { return r.WriteJUnit(b) },
	}
	want := map[string][]string{
		"text": {"capacity search, 3 steps", "capacity     1950 req/s  (between 1950 req/s and 2000 req/s: within 5%)",
			"bound by     latency.p99 < 50ms: 71.2ms at 2000 req/s, 42% past it; 31.0ms at the capacity",
			"FAILED latency.p99 < 50ms (71.2ms)", "at the capacity, 1950 req/s, measured for 5.00s:"},
		"markdown": {"**Capacity: 1950 req/s", "| 2000 req/s | 2000 req/s |"},
		"html":     {"<h2>Capacity: 1950 req/s", "latency against rate", "CPU (% of one core) against rate", `stroke="#e03131"`},
		"junit":    {`name="capacity" value="1950"`, `classname="strain.capacity"`},
	}
	for name, f := range render {
		var b bytes.Buffer
		if err := f(r, &b); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, w := range want[name] {
			if !strings.Contains(b.String(), w) {
				t.Errorf("%s lacks %q:\n%s", name, w, b.String())
			}
		}
	}
}

var codeSpan = regexp.MustCompile("`+[^`]*`+")

// An SLO's text is the user's, and a target's name can be anything: they
// reach the terminal and the page cleaned.
func TestCapacityHostileText(t *testing.T) {
	r := capacityReport()
	evil := "latency.p99 < 50ms\x1b[2J<script>alert(1)</script>|"
	r.Search.SLOs = []string{evil}
	r.BoundBy.SLO = evil
	r.Steps[1].SLOs[0].Expr = evil
	var text, html, md bytes.Buffer
	if err := r.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	r.WriteHTML(&html)
	r.WriteMarkdown(&md)
	if strings.Contains(text.String(), "\x1b") {
		t.Errorf("an escape reached the text")
	}
	if strings.Contains(html.String(), "<script>") {
		t.Errorf("a script reached the page")
	}
	// In a code span, <script> is text, not markup.
	if outside := codeSpan.ReplaceAllString(md.String(), ""); strings.Contains(outside, "<script>") {
		t.Errorf("a script reached the Markdown outside a code span:\n%s", md.String())
	}
}
