package compare

import (
	"fmt"
	"html/template"
	"io"

	"github.com/strain-dev/strain/report"
)

// WriteHTML renders the comparison as one self-contained page that opens
// offline: the table WriteText prints, what each test found, the new
// report's gates, and the two runs' charts overlaid (the old run's lines
// dashed).
func (c *Comparison) WriteHTML(w io.Writer) error {
	data := struct {
		C        *Comparison
		Old, New string
		Footnote string
		Charts   []template.HTML
	}{C: c, Old: describe(c.Old), New: describe(c.New), Footnote: footnote(), Charts: report.Overlay(c.Old, c.New)}
	if err := page.Execute(w, data); err != nil {
		return fmt.Errorf("render html: %w", err)
	}
	return nil
}

var page = template.Must(template.New("compare").Funcs(template.FuncMap{"clean": clean}).Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>strain: {{clean .C.NewName}} against {{clean .C.OldName}}</title>
<style>
body{font:14px system-ui,sans-serif;margin:24px auto;max-width:800px;color:#222;padding:0 8px}
h1{font-size:20px} table{border-collapse:collapse;margin:8px 0 16px}
td,th{padding:3px 10px;border-bottom:1px solid #ddd;text-align:left} td.n{text-align:right;white-space:nowrap}
th.section{padding-top:10px} .p{color:#666;font-size:12px} .pass{color:#2b8a3e;font-weight:bold} .fail{color:#c92a2a;font-weight:bold}
svg{display:block;margin:8px 0 16px;background:#fafafa} .title{font-weight:600;font-size:12px}
.legend{font-size:11px;text-anchor:start} .axis{font-size:10px;fill:#666} .grid{stroke:#e5e5e5} .warn{color:#e67700}
.key{font-size:12px;color:#555} code{font-size:13px}
@media (max-width:600px){body{font-size:13px} td,th{padding:2px 4px} code{font-size:11px;word-break:break-all} .p{white-space:normal;font-size:10px}}
</style></head><body>
<h1>strain: <code>{{clean .C.NewName}}</code> against <code>{{clean .C.OldName}}</code></h1>
<p>old: <code>{{clean .C.OldName}}</code>, {{.Old}}<br>new: <code>{{clean .C.NewName}}</code>, {{.New}}</p>
<ul>{{range .C.Tests}}<li>{{.Sentence $.C.NewName}}</li>{{end}}</ul>
<div style="overflow-x:auto"><table><tr><th></th><th>old</th><th>new</th><th>change</th><th></th></tr>
{{range .C.Sections}}<tr><th class="section" colspan="5">{{clean .Title}}</th></tr>
{{range .Rows}}<tr><td><code>{{clean .Metric}}</code></td><td class="n">{{.Old.Shown .Metric}}</td><td class="n">{{.New.Shown .Metric}}</td><td class="n">{{.Change}}</td><td class="p">{{.Test.Detail}}</td></tr>
{{end}}{{end}}</table></div>
<p class="key">{{.Footnote}}</p>
{{with .C.New.Gates}}<h2>Gates (new)</h2><table>{{range .}}<tr><td>{{if .Pass}}<span class="pass">✅ pass</span>{{else}}<span class="fail">❌ FAIL</span>{{end}}</td><td><code>{{clean .Expr}}</code></td><td class="n">{{clean .Shown}}</td></tr>{{end}}</table>{{end}}
<h2>Over time</h2>
<p class="key">Each chart draws both runs from their start: the new run's lines solid, the old run's dashed, one colour per metric.</p>
{{range .Charts}}{{.}}
{{end}}
{{range .C.Warnings}}<p class="warn">⚠️ {{clean .}}</p>{{end}}
</body></html>
`))

// Renderers are the comparison's outputs: its text, Markdown and page,
// and the new report's JUnit, judged on its gates; no JSON, which is a
// run's.
func (c *Comparison) Renderers() report.Renderers {
	return report.Renderers{JUnit: c.New.WriteJUnit, Markdown: c.WriteMarkdown, HTML: c.WriteHTML, Text: c.WriteText}
}
