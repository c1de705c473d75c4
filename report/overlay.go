package report

import (
	"fmt"
	"html/template"
	"slices"
	"strings"
)

// Overlay draws two runs' charts over one another, for a comparison
// (strain report old.json new.json): each chart either page has, with
// both runs' lines on one pair of axes from each run's start, in one
// colour per metric, the old run's dashed.
func Overlay(old, new *Report) []template.HTML {
	specs := new.chartSpecs()
	for _, s := range old.chartSpecs() {
		if !slices.ContainsFunc(specs, func(t chartSpec) bool { return t.title == s.title }) {
			specs = append(specs, s)
		}
	}
	var out []template.HTML
	for _, c := range specs {
		if svg := overlayChart(c, old, new); svg != "" {
			out = append(out, svg)
		}
	}
	return out
}

// dashed marks the old run's lines.
const dashed = ` stroke-dasharray="5 4" stroke-opacity="0.8"`

// overlayChart draws c's metrics in both runs; "" when neither has data.
func overlayChart(c chartSpec, old, new *Report) template.HTML {
	present, tmax, ymax := extent(c.lines, max(old.DurationSeconds, new.DurationSeconds), old.Series, new.Series)
	if len(present) == 0 || tmax <= 0 {
		return ""
	}
	x, y := scales(tmax, ymax)
	var b strings.Builder
	svgHead(&b, c.title)
	svgAxes(&b, c.format, tmax, niceCeil(ymax), x, y)
	for i, name := range present {
		colour := lineColours[i%len(lineColours)]
		polyline(&b, old.Series, name, colour, dashed, x, y)
		polyline(&b, new.Series, name, colour, "", x, y)
		fmt.Fprintf(&b, `<text x="%g" y="15" fill="%s" class="legend">%s</text>`, chartW-padR-150*float64(len(present)-i), colour, svgText(name))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}
