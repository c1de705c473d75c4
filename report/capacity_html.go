package report

import (
	"cmp"
	"fmt"
	"html/template"
	"math"
	"slices"
	"strings"

	"github.com/strain-dev/strain/metric"
)

// curve is one hockey-stick chart of a capacity search: metrics against
// the rate, a point per step.
type curve struct {
	title  string
	format func(float64) string
	keys   []string // step summary keys, a line each
}

// capacityHTML is a capacity search's section of the HTML page: what was
// found and what bound it, the curves of latency and the targets'
// metrics against the rate, and each step.
func (r *Report) capacityHTML() template.HTML {
	if r.Capacity == nil {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<h2>Capacity: %s</h2><p>`, svgText(r.capacityLine()))
	fmt.Fprintf(&b, `SLOs: <code>%s</code>`, svgText(strings.Join(r.Search.SLOs, ", ")))
	if r.BoundBy != nil {
		fmt.Fprintf(&b, `<br>bound by <code>%s</code>`, svgText(r.BoundBy.line()))
	}
	b.WriteString(`</p>`)
	for _, c := range r.curves() {
		b.WriteString(string(r.svgCurve(c)))
	}
	r.htmlSteps(&b)
	return template.HTML(b.String())
}

// curves are the charts against the rate: the load's latency, then each
// watched target's key metrics, where the steps have them.
func (r *Report) curves() []curve {
	cs := []curve{{"latency against rate", metric.FormatSeconds, []string{"latency.p50", "latency.p99"}}}
	for _, scope := range r.Runtimes() {
		if scope.Kind != metric.Target {
			continue
		}
		key := func(n string) string { return scope.Of(n).String() + ".mean" }
		name := r.scopeTitle(scope)
		cs = append(cs,
			curve{name + " scheduler latency against rate", metric.FormatSeconds, []string{key("sched_latency.p99")}},
			curve{name + " CPU (% of one core) against rate", metric.FormatNumber, []string{key("cpu")}},
			curve{name + " tasks against rate", metric.FormatNumber, []string{key("tasks")}},
			curve{name + " memory against rate", metric.FormatBytes, []string{key("rss"), key("heap")}})
	}
	return cs
}

// judgedSteps are the steps that were judged, by rate.
func (r *Report) judgedSteps() []Step {
	var out []Step
	for _, st := range r.Steps {
		if len(st.SLOs) > 0 {
			out = append(out, st)
		}
	}
	slices.SortStableFunc(out, func(a, b Step) int { return cmp.Compare(a.Rate, b.Rate) })
	return out
}

// svgCurve draws c: a line per key through the steps that have it, a
// red ring on each step that failed, and the capacity marked; "" when no
// step has any of c's keys.
func (r *Report) svgCurve(c curve) template.HTML {
	steps := r.judgedSteps()
	xmax, ymax := 0.0, 0.0
	var present []string
	for _, k := range c.keys {
		for _, st := range steps {
			if v, ok := finiteValue(st.Summary, k); ok {
				ymax, xmax = math.Max(ymax, v), math.Max(xmax, st.Rate)
				if !slices.Contains(present, k) {
					present = append(present, k)
				}
			}
		}
	}
	if len(present) == 0 || xmax <= 0 {
		return ""
	}
	slo, hasSLO := r.boundThreshold(present)
	if hasSLO {
		// The knee, not the overload's far end, is what matters: above
		// a few times the threshold, points sit at the top.
		ymax = min(ymax, 4*slo)
	}
	xmax, ymax = niceCeil(xmax), niceCeil(ymax)
	x := func(v float64) float64 { return padL + (chartW-padL-padR)*min(max(v/xmax, 0), 1) }
	y := func(v float64) float64 { return chartH - padB - (chartH-padT-padB)*min(max(v/ymax, 0), 1) }
	title := svgText(c.title)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg viewBox="0 0 %g %g" role="img" aria-label="%s">`, chartW, chartH, title)
	fmt.Fprintf(&b, `<text x="%g" y="15" class="title">%s</text>`, padL, title)
	if cap := *r.Capacity; cap > 0 {
		fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="%g" y2="%g" stroke="#2b8a3e" stroke-dasharray="4 3"><title>capacity %s</title></line>`,
			x(cap), x(cap), padT, chartH-padB, svgText(metric.FormatPerSecond(cap)))
	}
	curveAxes(&b, c.format, xmax, ymax, x, y)
	if hasSLO {
		fmt.Fprintf(&b, `<line x1="%g" x2="%g" y1="%.1f" y2="%.1f" stroke="#e03131" stroke-dasharray="4 3"/><text x="%g" y="%.1f" class="axis" fill="#e03131">%s</text>`,
			padL, chartW-padR, y(slo), y(slo), padL+4, y(slo)-3, svgText(r.BoundBy.SLO))
	}
	for i, k := range present {
		colour := lineColours[i%len(lineColours)]
		fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="1.5" points="`, colour)
		for _, st := range steps {
			if v, ok := finiteValue(st.Summary, k); ok {
				fmt.Fprintf(&b, "%.1f,%.1f ", x(st.Rate), y(v))
			}
		}
		b.WriteString(`"/>`)
		for _, st := range steps {
			if v, ok := finiteValue(st.Summary, k); ok {
				stroke := colour
				if !st.Pass {
					stroke = "#e03131"
				}
				fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="3.5" fill="#fff" stroke="%s" stroke-width="2"><title>%s: %s at %s</title></circle>`,
					x(st.Rate), y(v), stroke, svgText(k), svgText(c.format(v)), svgText(metric.FormatPerSecond(st.Rate)))
			}
		}
		fmt.Fprintf(&b, `<text x="%g" y="15" fill="%s" class="legend">%s</text>`, chartW-padR-150*float64(len(present)-i), colour, svgText(k))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// curveAxes draws the grid, the values' axis and the rate's.
func curveAxes(b *strings.Builder, format func(float64) string, xmax, ymax float64, x, y func(float64) float64) {
	for i := 0; i <= 4; i++ {
		v := ymax * (float64(i) / 4)
		fmt.Fprintf(b, `<line x1="%g" x2="%g" y1="%.1f" y2="%.1f" class="grid"/><text x="%g" y="%.1f" class="axis" text-anchor="end">%s</text>`,
			padL, chartW-padR, y(v), y(v), padL-6, y(v)+4, svgText(axisLabel(format, v)))
	}
	for i := 0; i <= 5; i++ {
		v := xmax * float64(i) / 5
		fmt.Fprintf(b, `<text x="%.1f" y="%g" class="axis" text-anchor="middle">%s</text>`, x(v), chartH-6, svgText(metric.FormatPerSecond(v)))
	}
}

func finiteValue(m map[string]float64, k string) (float64, bool) {
	v, ok := m[k]
	return v, ok && !math.IsNaN(v) && !math.IsInf(v, 0)
}

// htmlSteps is the table of steps, in the order tried.
func (r *Report) htmlSteps(b *strings.Builder) {
	titles, rows := r.stepTable()
	b.WriteString(`<table><tr>`)
	for _, title := range titles {
		fmt.Fprintf(b, `<th>%s</th>`, svgText(title))
	}
	b.WriteString(`<th>SLOs</th></tr>`)
	for i, row := range rows {
		b.WriteString(`<tr>`)
		for _, cell := range row[:len(row)-1] {
			fmt.Fprintf(b, `<td class="n">%s</td>`, svgText(cell))
		}
		class := "pass"
		if !r.Steps[i].Pass {
			class = "fail"
		}
		fmt.Fprintf(b, `<td><span class="%s">%s</span></td></tr>`, class, svgText(row[len(row)-1]))
	}
	b.WriteString(`</table>`)
}

// boundThreshold is the threshold of the SLO that bound the capacity,
// when it judges one of keys (or its step mean).
func (r *Report) boundThreshold(keys []string) (float64, bool) {
	if r.BoundBy == nil || !(r.BoundBy.Threshold > 0) {
		return 0, false
	}
	m := r.BoundBy.Metric
	return r.BoundBy.Threshold, slices.Contains(keys, m) || slices.Contains(keys, m+".mean")
}
