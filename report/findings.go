package report

import (
	"fmt"
	"html/template"
	"math"
	"strings"

	"github.com/strain-dev/strain/metric"
)

// FindingCounts are the names of the summary's counts of findings:
// findings.KIND, of a kind at warning or worse, and findings.SEVERITY, so
// that gates can judge them.
func FindingCounts() []string {
	var names []string
	for _, k := range Kinds {
		names = append(names, "findings."+string(k))
	}
	for _, s := range Severities {
		names = append(names, "findings."+string(s))
	}
	return names
}

// CountFindings puts the counts of r's findings in its summary, under
// FindingCounts' names, every one of them: a kind not found is 0.
func (r *Report) CountFindings() {
	for _, name := range FindingCounts() {
		r.Summary[name] = 0
	}
	for _, f := range r.Findings {
		r.Summary["findings."+string(f.Severity)]++
		if f.Severity != Info {
			r.Summary["findings."+string(f.Kind)]++
		}
	}
}

// problems are the findings that are problems (warning or critical), the
// most severe first, as diagnosis ordered them.
func (r *Report) problems() []Finding {
	var out []Finding
	for _, f := range r.Findings {
		if f.Severity != Info {
			out = append(out, f)
		}
	}
	return out
}

// writeFindings says what diagnosis found, before the numbers: each
// problem's sentence, its evidence and next step; what could not be
// judged in a line each.
func (r *Report) writeFindings(t *textWriter) {
	if len(r.Findings) == 0 {
		return
	}
	problems := r.problems()
	if len(problems) == 0 {
		t.printf("findings     none: no problem found\n")
	}
	for _, f := range problems {
		t.printf("%-12s %s %s\n", strings.ToUpper(string(f.Severity)), f.Kind, clean(f.Sentence()))
		for _, ev := range f.Evidence {
			if ev.Profile != "" {
				t.printf("             %s: %s\n", clean(ev.Profile), clean(shows(ev)))
			}
		}
		t.printf("             next: %s\n", clean(f.Next))
	}
	for _, f := range r.Findings {
		if f.Severity == Info {
			t.printf("note         %s\n", clean(f.Sentence()))
		}
	}
	t.printf("\n")
}

// markdownFindings is the findings as a list, problems first.
func (r *Report) markdownFindings(t *textWriter) {
	if len(r.Findings) == 0 {
		return
	}
	t.printf("### Findings\n\n")
	problems := r.problems()
	if len(problems) == 0 {
		t.printf("No problem found.\n\n")
	}
	for _, f := range problems {
		icon := "⚠️"
		if f.Severity == Critical {
			icon = "🛑"
		}
		t.printf("- %s **%s** (%s): %s\n", icon, mdText(string(f.Kind)), mdText(string(f.Severity)), mdText(f.Sentence()))
		for _, ev := range f.Evidence {
			if ev.Profile != "" {
				t.printf("  - %s: %s\n", mdCode(ev.Profile), mdText(shows(ev)))
			}
		}
		t.printf("  - next: %s\n", mdText(f.Next))
	}
	for _, f := range r.Findings {
		if f.Severity == Info {
			t.printf("- ℹ️ %s\n", mdText(f.Sentence()))
		}
	}
	t.printf("\n")
}

// junitFindings is a case per kind diagnosis judged. A problem found is
// told in the case's output; the case fails when a gate on findings failed
// because of it (--fail-on, or a gate on findings.KIND, .critical or
// .warning), as the run's exit code does.
func (r *Report) junitFindings() []junitCase {
	if len(r.Findings) == 0 {
		return nil
	}
	unjudged := map[Kind]bool{}
	for _, f := range r.Findings {
		for _, k := range f.Unjudged {
			unjudged[k] = true
		}
	}
	var out []junitCase
	for _, k := range Kinds {
		if k == InsufficientData || unjudged[k] {
			continue
		}
		c := junitCase{Class: "strain.diagnosis", Name: string(k), Time: "0"}
		for _, f := range r.problems() {
			if f.Kind != k {
				continue
			}
			c.Out += clean(string(f.Severity)+": "+f.Sentence()) + "\n"
			if g, failed := r.failedOn(f); failed && c.Failure == nil {
				c.Failure = &junitFailure{Message: clean(f.Sentence()), Type: string(k), Text: clean("the gate " + g + " failed; next: " + f.Next)}
			}
		}
		out = append(out, c)
	}
	return out
}

// failedOn is the failed gate on findings that f counts in, if any.
func (r *Report) failedOn(f Finding) (string, bool) {
	for _, g := range r.Gates {
		name, _, _ := strings.Cut(g.Expr, " ")
		if !g.Pass && (name == "findings."+string(f.Kind) || name == "findings."+string(f.Severity)) {
			return g.Expr, true
		}
	}
	return "", false
}

// svgFindings marks the problems' spans under a chart's plot: a band per
// finding, red for critical, with its sentence as a tooltip.
func (r *Report) svgFindings(b *strings.Builder, x func(float64) float64) {
	for _, f := range r.problems() {
		colour := "#f08c00"
		if f.Severity == Critical {
			colour = "#e03131"
		}
		fmt.Fprintf(b, `<rect class="finding" x="%.1f" y="%g" width="%.1f" height="4" fill="%s"><title>%s</title></rect>`,
			x(f.Start), chartH-padB+2, math.Max(x(f.End)-x(f.Start), 2), colour, svgText(string(f.Kind)+": "+f.Sentence()))
	}
}

// htmlFindings is the findings as the page lists them, each with the
// flame graphs of its evidence.
func (r *Report) htmlFindings(fl *flames) template.HTML {
	if len(r.Findings) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("<h2>Findings</h2>")
	problems := r.problems()
	if len(problems) == 0 {
		b.WriteString("<p>No problem found.</p>")
	}
	for _, f := range problems {
		fmt.Fprintf(&b, `<div class="finding %s"><b>%s</b> <span>%s</span> %s <span class="axis">(%s–%s)</span><ul>`,
			svgText(string(f.Severity)), svgText(string(f.Kind)), svgText(string(f.Severity)), svgText(f.Sentence()),
			metric.FormatSeconds(f.Start), metric.FormatSeconds(f.End))
		for _, ev := range f.Evidence {
			if ev.Profile != "" {
				fmt.Fprintf(&b, "<li><code>%s</code>: %s</li>", svgText(ev.Profile), svgText(shows(ev)))
			}
		}
		fmt.Fprintf(&b, "<li>next: %s</li></ul>%s</div>", svgText(f.Next), fl.evidence(f))
	}
	for _, f := range r.Findings {
		if f.Severity == Info {
			fmt.Fprintf(&b, `<p class="axis">ℹ️ %s</p>`, svgText(f.Sentence()))
		}
	}
	return template.HTML(b.String())
}

// Sentence is f's summary, then its culprit: what every output prints of it.
// A report written before findings had a culprit has it in the summary.
func (f Finding) Sentence() string {
	if f.Culprit == "" {
		return f.Summary
	}
	return f.Summary + " " + f.Culprit
}

// shows is what a profile of the evidence shows, or why it shows nothing.
func shows(ev Evidence) string {
	if len(ev.Top) == 0 {
		return ev.Note
	}
	return strings.Join(ev.Top, ", ")
}
