package report

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
)

// WriteMarkdown renders a summary for a CI page (GitHub's step summary, a
// pull-request comment): verdict, load, target, gates, alerts, profiles.
func (r *Report) WriteMarkdown(w io.Writer) error {
	t := &textWriter{w: w}
	verdict := "✅ passed"
	switch {
	case r.Interrupted:
		verdict = "⚠️ interrupted"
	case !r.Passed:
		verdict = "❌ failed"
	}
	t.printf("## strain: %s\n\n", verdict)
	t.printf("%s for %s", r.loadLine(), Seconds(r.DurationSeconds))
	for _, target := range r.Load.Targets {
		t.printf(" · `%s`", target)
	}
	t.printf("\n\n")
	r.markdownLoad(t)
	r.markdownTargets(t)
	r.markdownGates(t)
	r.markdownAlerts(t)
	r.markdownProfiles(t)
	for _, warn := range r.Warnings {
		t.printf("> ⚠️ %s\n", warn)
	}
	return t.err
}

func (r *Report) markdownLoad(t *textWriter) {
	s := r.Summary
	if _, ok := s["requests"]; !ok {
		return
	}
	t.printf("| requests | throughput | errors | p50 | p99 | p999 | max |\n|---:|---:|---:|---:|---:|---:|---:|\n")
	t.printf("| %s | %s/s | %s | %s | %s | %s | %s |\n\n", Number(s["requests"]), Number(s["throughput"]), percent(s["error_rate"]),
		Seconds(s["latency.p50"]), Seconds(s["latency.p99"]), Seconds(s["latency.p999"]), Seconds(s["latency.max"]))
}

// targetRows are the target figures the Markdown summary shows.
var targetRows = []string{"goroutines", "sched_latency.p99", "cpu", "rss", "heap", "gc_pause.p99"}

func (r *Report) markdownTargets(t *textWriter) {
	for _, prefix := range r.targetPrefixes() {
		t.printf("**%s**\n\n| metric | min | mean | max | last |\n|---|---:|---:|---:|---:|\n", strings.TrimSuffix(prefix, "."))
		for _, name := range targetRows {
			if _, ok := r.Summary[prefix+name+".max"]; !ok {
				continue
			}
			t.printf("| %s |", name)
			for _, stat := range []string{"min", "mean", "max", "last"} {
				t.printf(" %s |", Value(name, r.Summary[prefix+name+"."+stat]))
			}
			t.printf("\n")
		}
		t.printf("\n")
	}
}

// targetPrefixes lists the watched targets' metric prefixes, self last.
func (r *Report) targetPrefixes() []string {
	set := map[string]bool{}
	for k := range r.Summary {
		if strings.HasPrefix(k, "target") && strings.HasSuffix(k, ".goroutines.max") {
			set[strings.TrimSuffix(k, "goroutines.max")] = true
		}
	}
	prefixes := slices.Sorted(maps.Keys(set))
	if _, ok := r.Summary["self.goroutines.max"]; ok {
		prefixes = append(prefixes, "self.")
	}
	return prefixes
}

// Value formats a metric's value by what its name says it is: latencies
// and pauses as durations, rss/heap/memory as sizes, cpu in percent.
func Value(name string, v float64) string {
	switch {
	case strings.Contains(name, "latency"), strings.Contains(name, "pause"):
		return Seconds(v)
	case name == "rss", name == "heap", name == "memory":
		return Bytes(v)
	case name == "cpu":
		return fmt.Sprintf("%.0f%%", v)
	}
	return Number(v)
}

func (r *Report) markdownGates(t *textWriter) {
	if len(r.Gates) == 0 {
		return
	}
	t.printf("| | gate | value |\n|---|---|---:|\n")
	for _, g := range r.Gates {
		mark := "✅"
		if !g.Pass {
			mark = "❌"
		}
		t.printf("| %s | `%s` | %s |\n", mark, g.Expr, g.Shown)
	}
	t.printf("\n")
}

func (r *Report) markdownAlerts(t *textWriter) {
	var fired []Alert
	for _, a := range r.Alerts {
		if a.State != "pending" {
			fired = append(fired, a)
		}
	}
	if len(fired) == 0 {
		return
	}
	t.printf("| t | alert | severity | rule | value |\n|---:|---|---|---|---:|\n")
	for _, a := range fired {
		t.printf("| %.1fs | %s | %s | `%s` | %s |\n", a.T, a.State, a.Severity, a.Rule, a.Shown)
	}
	t.printf("\n")
}

func (r *Report) markdownProfiles(t *textWriter) {
	if len(r.Profiles) == 0 {
		return
	}
	t.printf("| profile | kind | reason |\n|---|---|---|\n")
	for _, p := range r.Profiles {
		t.printf("| `%s` | %s | %s |\n", p.Path, p.Kind, p.Reason)
	}
	t.printf("\n")
}
