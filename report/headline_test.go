package report

import (
	"bytes"
	"strings"
	"testing"
)

// The headline says both the gates' verdict and the problems found, by
// severity, in the colour of the worse of the two: a passed run with a
// critical finding is not green.
func TestHeadlineSaysFindings(t *testing.T) {
	problem := func(s Severity) Finding {
		return Finding{Kind: Contention, Severity: s, Summary: "x", Evidence: []Evidence{}}
	}
	for _, tc := range []struct {
		name     string
		passed   bool
		findings []Finding
		md, html string
	}{
		{"passed, none", true, nil, "## strain: ✅ passed\n", `<span class="info">passed</span>`},
		{"passed, notes only", true, []Finding{{Kind: InsufficientData, Severity: Info}}, "## strain: ✅ passed\n", `<span class="info">passed</span>`},
		{"passed, critical", true, []Finding{problem(Critical), problem(Warning), problem(Warning), {Kind: InsufficientData, Severity: Info}},
			"## strain: 🛑 passed · 1 critical, 2 warning findings\n", `<span class="critical">passed · 1 critical, 2 warning findings</span>`},
		{"passed, warning", true, []Finding{problem(Warning)}, "## strain: ⚠️ passed · 1 warning finding\n", `<span class="warning">passed · 1 warning finding</span>`},
		{"failed, warning", false, []Finding{problem(Warning)}, "## strain: ❌ failed · 1 warning finding\n", `<span class="critical">failed · 1 warning finding</span>`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := New()
			r.Passed, r.Findings = tc.passed, tc.findings
			var md, html bytes.Buffer
			if err := r.WriteMarkdown(&md); err != nil {
				t.Fatal(err)
			}
			if err := r.WriteHTML(&html); err != nil {
				t.Fatal(err)
			}
			if first, _, _ := strings.Cut(md.String(), "\n\n"); first+"\n" != tc.md {
				t.Errorf("markdown headline %q, want %q", first, tc.md)
			}
			if !strings.Contains(html.String(), "<h1>strain: "+tc.html+"</h1>") {
				t.Errorf("html lacks <h1>strain: %s</h1>", tc.html)
			}
		})
	}
}
