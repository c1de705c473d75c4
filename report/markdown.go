package report

import (
	"github.com/strain-dev/strain/metric"
	"io"
	"slices"
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
	t.printf("%s for %s", r.loadLine(), metric.FormatSeconds(r.DurationSeconds))
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
	t.printf("| %s | %s/s | %s | %s | %s | %s | %s |\n\n", metric.FormatNumber(s["requests"]), metric.FormatNumber(s["throughput"]), percent(s["error_rate"]),
		metric.FormatSeconds(s["latency.p50"]), metric.FormatSeconds(s["latency.p99"]), metric.FormatSeconds(s["latency.p999"]), metric.FormatSeconds(s["latency.max"]))
}

// runtimeRows are the figures of a runtime (a target's, strain's) the
// Markdown summary shows, when it has them.
var runtimeRows = []string{"goroutines", "sched_latency.p99", "cpu", "rss", "heap", "gc_pause.p99"}

func (r *Report) markdownTargets(t *textWriter) {
	for _, scope := range r.Runtimes() {
		rows := append(slices.Clone(runtimeRows), r.extraSeries(scope)...)
		t.printf("**%s**\n\n| metric | min | mean | max | last |\n|---|---:|---:|---:|---:|\n", scope)
		shown := 0
		for _, name := range rows {
			key := scope.Of(name).String()
			if _, ok := r.Summary[key+".max"]; !ok {
				continue
			}
			shown++
			t.printf("| %s |", name)
			for _, stat := range metric.SeriesStats {
				t.printf(" %s |", metric.Format(key, r.Summary[key+"."+stat]))
			}
			t.printf("\n")
		}
		if shown == 0 {
			t.printf("| no data | | | | |\n")
		}
		t.printf("\n")
	}
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
