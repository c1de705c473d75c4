package report

import (
	"fmt"
	"html/template"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/strain-dev/strain/metric"
)

// WriteHTML renders one self-contained page that opens offline: the
// summary, charts over time (throughput, latency, and each watched
// target's goroutines, scheduler latency, CPU and memory) with the spans
// where alerts fired shaded, and the gates, alerts and profiles. Each
// captured profile is drawn as a flame graph (read from its file: one
// missing or corrupt is a note on the page), beside the finding it is
// the evidence of with its culprit marked.
func (r *Report) WriteHTML(w io.Writer) error {
	headline, tone := r.headline()
	data := struct {
		R        *Report
		Load     string
		Charts   []template.HTML
		Headline string
		Tone     Severity // the headline's colour: the worse of the verdict and the findings
		Findings template.HTML
		Capacity template.HTML
		Profiles template.HTML // the captures, drawn as flame graphs
		Flames   bool          // whether any is: the page then carries their style and script
	}{R: r, Load: r.loadLine(), Charts: r.charts(), Headline: headline, Tone: tone, Capacity: r.capacityHTML()}
	fl := r.flames()
	data.Findings = r.htmlFindings(fl)
	data.Profiles, data.Flames = fl.profiles(r.Profiles), fl.n > 0
	if err := htmlPage.Execute(w, data); err != nil {
		return fmt.Errorf("render html: %w", err)
	}
	return nil
}

// chartSpec is one chart: its title, unit and the metrics drawn.
type chartSpec struct {
	title  string
	format func(float64) string
	lines  []string
}

func (r *Report) charts() []template.HTML {
	var out []template.HTML
	for _, c := range r.chartSpecs() {
		if svg := r.svgChart(c); svg != "" {
			out = append(out, svg)
		}
	}
	return out
}

// chartSpecs are the charts of r's page: the load's, then each runtime's.
func (r *Report) chartSpecs() []chartSpec {
	specs := []chartSpec{
		{"throughput (req/s)", metric.FormatNumber, []string{"throughput", "rate"}},
		{"latency", metric.FormatSeconds, []string{"latency.p50", "latency.p99", "latency_uncorrected.p99"}},
	}
	for _, scope := range r.Runtimes() {
		specs = append(specs, runtimeCharts(scope, r.scopeTitle(scope), r.extraSeries(scope), r.hasGoroutines(scope))...)
	}
	return specs
}

// runtimeCharts are a target's (or strain's) charts: those of its metrics
// that have data are drawn, then one per extra series it has.
func runtimeCharts(s metric.Scope, name string, extra []string, goroutines bool) []chartSpec {
	key := func(n string) string { return s.Of(n).String() }
	units := "tasks" // an event loop's, through an agent
	if goroutines {
		units = "goroutines"
	}
	specs := []chartSpec{
		{name + " " + units, metric.FormatNumber, []string{key(units)}},
		{name + " scheduler latency", metric.FormatSeconds, []string{key("sched_latency.p50"), key("sched_latency.p99")}},
		{name + " CPU (% of one core)", metric.FormatNumber, []string{key("cpu")}},
		{name + " memory", metric.FormatBytes, []string{key("rss"), key("heap")}},
	}
	for _, e := range extra {
		unit := metric.UnitOf(key(e))
		specs = append(specs, chartSpec{name + " " + e, func(v float64) string { return metric.FormatUnit(unit, v) }, []string{key(e)}})
	}
	return specs
}

// Chart geometry, in SVG units.
const (
	chartW, chartH = 760.0, 190.0
	padL, padR     = 70.0, 10.0
	padT, padB     = 24.0, 24.0
)

var lineColours = []string{"#1f77b4", "#d62728", "#2ca02c", "#9467bd"}

// svgChart draws c's metrics over the run; "" when none has data.
// Points that are not finite numbers are left out (a target sent values
// of ±1.7e308 that made them), and every point is kept within the plot.
func (r *Report) svgChart(c chartSpec) template.HTML {
	present, tmax, ymax := extent(c.lines, r.DurationSeconds, r.Series)
	if len(present) == 0 || tmax <= 0 {
		return ""
	}
	x, y := scales(tmax, ymax)
	var b strings.Builder
	svgHead(&b, c.title)
	r.svgSpans(&b, x)
	r.svgFindings(&b, x)
	svgAxes(&b, c.format, tmax, niceCeil(ymax), x, y)
	for i, name := range present {
		colour := lineColours[i%len(lineColours)]
		polyline(&b, r.Series, name, colour, "", x, y)
		fmt.Fprintf(&b, `<text x="%g" y="15" fill="%s" class="legend">%s</text>`, chartW-padR-150*float64(len(present)-i), colour, svgText(name))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// svgHead opens a chart's SVG, with its title.
func svgHead(b *strings.Builder, title string) {
	title = svgText(title)
	fmt.Fprintf(b, `<svg viewBox="0 0 %g %g" role="img" aria-label="%s">`, chartW, chartH, title)
	fmt.Fprintf(b, `<text x="%g" y="15" class="title">%s</text>`, padL, title)
}

// extent is which of names have a point to draw in any of the series,
// in order, the last time (from tmax up) and the largest value.
func extent(names []string, tmax float64, series ...[]Point) (present []string, _, ymax float64) {
	for _, name := range names {
		for _, s := range series {
			for _, p := range s {
				if v, ok := point(p, name); ok {
					ymax = math.Max(ymax, v)
					tmax = math.Max(tmax, p.T)
					if len(present) == 0 || present[len(present)-1] != name {
						present = append(present, name)
					}
				}
			}
		}
	}
	return present, tmax, ymax
}

// scales map a time and a value to the plot, for axes up to tmax and
// ymax (rounded up to a nice value).
func scales(tmax, ymax float64) (x, y func(float64) float64) {
	ymax = niceCeil(ymax)
	x = func(t float64) float64 { return padL + (chartW-padL-padR)*t/tmax }
	y = func(v float64) float64 {
		// v/ymax first: (chartH-…)*v overflows for v near the largest float.
		return chartH - padB - (chartH-padT-padB)*min(max(v/ymax, 0), 1)
	}
	return x, y
}

// polyline draws metric name's points in series, in colour, with the
// attributes given besides (a dash).
func polyline(b *strings.Builder, series []Point, name, colour, attrs string, x, y func(float64) float64) {
	fmt.Fprintf(b, `<polyline fill="none" stroke="%s" stroke-width="1.5"%s points="`, colour, attrs)
	for _, p := range series {
		if v, ok := point(p, name); ok {
			fmt.Fprintf(b, "%.1f,%.1f ", x(p.T), y(v))
		}
	}
	b.WriteString(`"/>`)
}

// svgSpans shades where alerts were firing, red for critical.
func (r *Report) svgSpans(b *strings.Builder, x func(float64) float64) {
	open := map[string]Alert{}
	shade := func(a Alert, end float64) {
		colour := "#ffd8a8"
		if a.Severity == "critical" {
			colour = "#ffc9c9"
		}
		fmt.Fprintf(b, `<rect class="alert" x="%.1f" y="%g" width="%.1f" height="%g" fill="%s"><title>%s</title></rect>`,
			x(a.T), padT, math.Max(x(end)-x(a.T), 2), chartH-padT-padB, colour, svgText(a.Rule))
	}
	for _, a := range r.Alerts {
		switch a.State {
		case "firing":
			open[a.Rule] = a
		case "resolved":
			if f, ok := open[a.Rule]; ok {
				shade(f, a.T)
				delete(open, a.Rule)
			}
		}
	}
	for _, f := range open {
		shade(f, r.DurationSeconds)
	}
}

func svgAxes(b *strings.Builder, format func(float64) string, tmax, ymax float64, x, y func(float64) float64) {
	for i := 0; i <= 4; i++ {
		v := ymax * (float64(i) / 4) // ymax*i overflows for ymax near the largest float
		fmt.Fprintf(b, `<line x1="%g" x2="%g" y1="%.1f" y2="%.1f" class="grid"/><text x="%g" y="%.1f" class="axis" text-anchor="end">%s</text>`,
			padL, chartW-padR, y(v), y(v), padL-6, y(v)+4, svgText(axisLabel(format, v)))
	}
	for i := 0; i <= 5; i++ {
		t := tmax * float64(i) / 5
		fmt.Fprintf(b, `<text x="%.1f" y="%g" class="axis" text-anchor="middle">%s</text>`, x(t), chartH-6, svgText(metric.FormatSeconds(t)))
	}
}

// point is metric name's value at p, if it has one that can be drawn.
func point(p Point, name string) (float64, bool) {
	v, ok := p.Metrics[name]
	return v, ok && !math.IsNaN(v) && !math.IsInf(v, 0)
}

// svgText is s fit to write by hand into the SVG, in an element or an
// attribute: one clean line, HTML-escaped (quotes included).
func svgText(s string) string { return template.HTMLEscapeString(clean(s)) }

// axisLabel formats an axis value; one too large for format to write
// short (a count of 1e300 has 301 digits) is written as 1.7e+308.
func axisLabel(format func(float64) string, v float64) string {
	if math.Abs(v) >= 1e15 {
		return strconv.FormatFloat(v, 'g', 3, 64)
	}
	return format(v)
}

// niceCeil rounds v up to 1, 2 or 5 times a power of ten, or to v itself
// where that would be past the largest float.
func niceCeil(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if v <= m*p {
			if math.IsInf(m*p, 0) {
				return v
			}
			return m * p
		}
	}
	return v
}

var htmlPage = template.Must(template.New("report").Funcs(template.FuncMap{
	"seconds": metric.FormatSeconds, "number": metric.FormatNumber, "percent": percent, "clean": clean,
	"flameStyle": func() template.CSS { return flameStyle }, "flameScript": func() template.JS { return flameScript },
}).Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>strain report: {{.Headline}}</title>
<style>
body{font:14px system-ui,sans-serif;margin:24px auto;padding:0 12px;max-width:800px;color:#222}
.pass{color:#2b8a3e;font-weight:bold} .fail{color:#c92a2a;font-weight:bold}
h1{font-size:20px} h1 .info{color:#2b8a3e} h1 .critical{color:#c92a2a} h1 .warning{color:#e67700}
table{border-collapse:collapse;margin:8px 0 16px} td,th{padding:3px 10px;border-bottom:1px solid #ddd;text-align:left}
td.n{text-align:right;white-space:nowrap} svg{display:block;margin:8px 0 16px;background:#fafafa}
.title{font-weight:600;font-size:12px} .legend{font-size:11px;text-anchor:start} .axis{font-size:10px;fill:#666}
.grid{stroke:#e5e5e5} .warn{color:#e67700} code{font-size:13px}
div.finding{border-left:4px solid #f08c00;padding:2px 10px;margin:8px 0} div.finding.critical{border-left-color:#e03131}
{{if .Flames}}{{flameStyle}}{{end}}</style></head><body>
<h1>strain: <span class="{{.Tone}}">{{.Headline}}</span></h1>
<p>{{.Load}} for {{seconds .R.DurationSeconds}}, started {{.R.Started.Format "2006-01-02 15:04:05 MST"}}{{range .R.Load.Targets}}<br><code>{{clean .}}</code>{{end}}</p>
{{.Capacity}}{{if .R.Capacity}}<h2>At the capacity</h2>{{end}}{{with .R.Summary}}{{if index . "requests"}}<table><tr><th>requests</th><th>throughput</th><th>errors</th><th>p50</th><th>p99</th><th>p999</th><th>max</th></tr>
<tr><td class="n">{{number (index . "requests")}}</td><td class="n">{{number (index . "throughput")}}/s</td><td class="n">{{percent (index . "error_rate")}}</td>
<td class="n">{{seconds (index . "latency.p50")}}</td><td class="n">{{seconds (index . "latency.p99")}}</td><td class="n">{{seconds (index . "latency.p999")}}</td><td class="n">{{seconds (index . "latency.max")}}</td></tr></table>{{end}}{{end}}
{{.Findings}}
{{range .Charts}}{{.}}
{{end}}
{{if .R.Gates}}<h2>Gates</h2><table>{{range .R.Gates}}<tr><td>{{if .Pass}}<span class="pass">✅ pass</span>{{else}}<span class="fail">❌ FAIL</span>{{end}}</td><td><code>{{clean .Expr}}</code></td><td class="n">{{clean .Shown}}</td></tr>{{end}}</table>{{end}}
{{if .R.Alerts}}<h2>Alerts</h2><table>{{range .R.Alerts}}{{if ne .State "pending"}}<tr><td class="n">{{printf "%.1fs" .T}}</td><td>{{clean .State}}</td><td>{{clean .Severity}}</td><td><code>{{clean .Rule}}</code></td><td class="n">{{clean .Shown}}</td></tr>{{end}}{{end}}</table>{{end}}
{{.Profiles}}
{{range .R.Warnings}}<p class="warn">⚠️ {{clean .}}</p>{{end}}
{{if .Flames}}<script>{{flameScript}}</script>{{end}}
</body></html>
`))
