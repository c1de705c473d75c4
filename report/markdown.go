package report

import (
	"io"
	"strings"

	"github.com/strain-dev/strain/metric"
)

// WriteMarkdown renders a summary for a CI page (GitHub's step summary, a
// pull-request comment): verdict, load, target, gates, alerts, profiles.
func (r *Report) WriteMarkdown(w io.Writer) error {
	t := &textWriter{w: w}
	verdict, worst := r.headline()
	icon := "✅"
	switch {
	case !r.Passed && !r.Interrupted:
		icon = "❌"
	case worst == Critical:
		icon = "🛑"
	case worst == Warning:
		icon = "⚠️"
	}
	t.printf("## strain: %s %s\n\n", icon, verdict)
	t.printf("%s for %s", r.loadLine(), metric.FormatSeconds(r.DurationSeconds))
	for _, target := range r.Load.Targets {
		t.printf(" · %s", mdCode(target))
	}
	t.printf("\n\n")
	r.markdownCapacity(t)
	r.markdownFindings(t)
	r.markdownLoad(t)
	r.markdownTargets(t)
	r.markdownGates(t)
	r.markdownAlerts(t)
	r.markdownProfiles(t)
	for _, warn := range r.Warnings {
		t.printf("> ⚠️ %s\n", mdText(warn))
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
var runtimeRows = []string{"goroutines", "tasks", "sched_latency.p99", "cpu", "rss", "heap", "gc_pause.p99"}

func (r *Report) markdownTargets(t *textWriter) {
	for _, scope := range r.Runtimes() {
		rows := r.statRows(scope)
		t.printf("**%s**\n\n| metric | min | mean | max | last |\n|---|---:|---:|---:|---:|\n", mdText(r.scopeTitle(scope)))
		for _, row := range rows {
			t.printf("| %s | %s |\n", mdText(row.name), strings.Join(row.stats, " | "))
		}
		if len(rows) == 0 {
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
		t.printf("| %s | %s | %s |\n", mark, mdCell(mdCode(g.Expr)), mdText(g.Shown))
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
		t.printf("| %.1fs | %s | %s | %s | %s |\n", a.T, mdText(a.State), mdText(a.Severity), mdCell(mdCode(a.Rule)), mdText(a.Shown))
	}
	t.printf("\n")
}

func (r *Report) markdownProfiles(t *textWriter) {
	if len(r.Profiles) == 0 {
		return
	}
	t.printf("| profile | kind | reason |\n|---|---|---|\n")
	for _, p := range r.Profiles {
		t.printf("| %s | %s | %s |\n", mdCell(mdCode(p.Path)), mdText(p.Kind), mdText(p.Reason))
	}
	t.printf("\n")
}

// mdEscaper escapes what Markdown would read as markup in plain text:
// table pipes, code spans, emphasis, links and images, and raw HTML, as
// entities (a hostile name could carry <script> or <img src=…> into a
// page GitHub renders).
var mdEscaper = strings.NewReplacer(
	`\`, `\\`, "|", `\|`, "`", "\\`", "*", `\*`, "[", `\[`, "]", `\]`,
	"<", "&lt;", ">", "&gt;", "&", "&amp;",
)

// mdText is s as plain Markdown text: one clean line, its markup escaped.
func mdText(s string) string { return mdEscaper.Replace(clean(s)) }

// mdCode is s as a Markdown code span: one clean line between more
// backticks than it holds in a row, so that none of its own ends the span,
// and spaces inside when it starts or ends with one. Nothing in a code
// span is markup or HTML, so nothing else needs escaping.
func mdCode(s string) string {
	s = clean(s)
	run, longest := 0, 0
	for _, r := range s {
		if r == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	fence := strings.Repeat("`", longest+1)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		s = " " + s + " "
	}
	return fence + s + fence
}

// mdCell makes s, a cell's Markdown, safe in a table row: a pipe ends a
// cell even inside a code span unless escaped, and GFM takes the escape
// off before it reads the span.
func mdCell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
