package report

import (
	"bytes"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// hostile is what a target may put in a warning, a series' name, a
// reason: terminal escapes, a forged line, table pipes, code fences, HTML
// and a link.
const hostile = "500 \x1b[2J\x1b]0;pwned\a\r\nwarning: forged | `x` <script>alert(1)</script> [click](http://evil) & \u202e"

// hostileReport is a report whose every string from outside is hostile,
// with a watched target whose values are not finite or near the largest
// float.
func hostileReport() *Report {
	r := sampleReport(true)
	r.Load.Targets = []string{"GET http://127.0.0.1:8080/" + hostile}
	r.Warnings = []string{"watch api: " + hostile}
	r.ErrorsByKind = map[string]int64{hostile: 1}
	r.StatusCodes = map[string]int64{hostile: 2}
	r.Profiles = []Profile{{Path: "strain-profiles/" + hostile + ".pb.gz", Kind: hostile, Reason: hostile, Target: hostile}}
	r.Alerts = []Alert{{T: 1, Rule: hostile, State: "firing", Severity: hostile, Shown: hostile}}
	r.Gates = []Gate{{Expr: hostile, Shown: hostile, Kind: "gate"}}
	name := "target.x_" + hostile
	for _, stat := range []string{"min", "mean", "max", "last"} {
		r.Summary[name+"."+stat] = 1
	}
	values := []float64{1, math.NaN(), math.Inf(1), math.Inf(-1), 1.7e308, -1.7e308, 3}
	for i, v := range values {
		r.Series = append(r.Series, Point{T: float64(i + 1), Metrics: map[string]float64{
			name: v, "target.goroutines": v, "throughput": 100,
		}})
	}
	return r
}

// controlRune reports a rune that would act on a terminal or reorder text.
func controlRune(r rune) bool {
	return r != '\n' && (r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0 || r == '\u202e')
}

func TestTextSummaryEscapesTargetText(t *testing.T) {
	var buf bytes.Buffer
	if err := hostileReport().WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if i := strings.IndexFunc(out, controlRune); i >= 0 {
		t.Fatalf("the summary holds %q at %d:\n%s", out[i], i, out)
	}
	if strings.Contains(out, "\nwarning: forged") {
		t.Errorf("a target forged a line of the summary:\n%s", out)
	}
	if !strings.Contains(out, `500 \x1b[2J\x1b]0;pwned\x07\r\nwarning: forged`) {
		t.Errorf("the target's text is not shown escaped:\n%s", out)
	}
}

// unescapedPipe is a pipe that ends a Markdown table cell.
var unescapedPipe = regexp.MustCompile(`(^|[^\\])\|`)

func TestMarkdownEscapesTargetText(t *testing.T) {
	var buf bytes.Buffer
	if err := hostileReport().WriteMarkdown(&buf); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if i := strings.IndexFunc(out, controlRune); i >= 0 {
		t.Fatalf("the summary holds %q at %d:\n%s", out[i], i, out)
	}
	// In a code span nothing is markup; outside one, nothing may be.
	text := outsideCode(out)
	for _, raw := range []string{"<script>", "[click](http://evil)", "\nwarning: forged"} {
		if strings.Contains(text, raw) {
			t.Errorf("the Markdown holds %q as it is, outside code:\n%s", raw, out)
		}
	}
	// Each row of a table has as many cells as its header.
	cells := 0
	for line := range strings.SplitSeq(out, "\n") {
		if !strings.HasPrefix(line, "|") {
			cells = 0
			continue
		}
		n := len(unescapedPipe.FindAllString(strings.ReplaceAll(line, "||", "| |"), -1))
		if cells == 0 {
			cells = n
		} else if n != cells {
			t.Errorf("row with %d pipes under a header with %d: %s", n, cells, line)
		}
	}
	for _, want := range []string{
		"&lt;script&gt;",         // in text
		"`` ",                    // a fence longer than the backticks inside
		`\[click\](http://evil)`, // no link
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the Markdown lacks %q:\n%s", want, out)
		}
	}
}

// outsideCode is md without its code spans, as CommonMark finds them: a
// run of backticks not escaped, to the next run of as many.
func outsideCode(md string) string {
	var b strings.Builder
	for i := 0; i < len(md); {
		if md[i] == '\\' && i+1 < len(md) {
			b.WriteString(md[i : i+2])
			i += 2
			continue
		}
		if md[i] != '`' {
			b.WriteByte(md[i])
			i++
			continue
		}
		n := len(md[i:]) - len(strings.TrimLeft(md[i:], "`"))
		fence := md[i : i+n]
		end := -1
		for j := i + n; j < len(md); {
			k := strings.Index(md[j:], fence)
			if k < 0 {
				break
			}
			j += k
			if m := len(md[j:]) - len(strings.TrimLeft(md[j:], "`")); m == n {
				end = j
				break
			} else {
				j += m
			}
		}
		if end < 0 {
			b.WriteString(fence)
			i += n
			continue
		}
		i = end + n
	}
	return b.String()
}

// svgNumber is a number written into the SVG's geometry.
var svgNumber = regexp.MustCompile(`(?:points="|[xy][12]?="|width="|height=")([^"]*)"`)

func TestHTMLDrawsOnlyFiniteValuesInsideTheChart(t *testing.T) {
	var buf bytes.Buffer
	if err := hostileReport().WriteHTML(&buf); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, bad := range []string{"NaN", "Inf", "<script>"} {
		if strings.Contains(out, bad) {
			t.Errorf("the HTML holds %q", bad)
		}
	}
	if i := strings.IndexFunc(out, controlRune); i >= 0 {
		t.Errorf("the HTML holds %q at %d", out[i], i)
	}
	for _, m := range svgNumber.FindAllStringSubmatch(out, -1) {
		for _, f := range strings.FieldsFunc(m[1], func(r rune) bool { return r == ' ' || r == ',' }) {
			v, err := strconv.ParseFloat(f, 64)
			if err != nil || v < 0 || v > chartW {
				t.Errorf("%s: %q is not within the chart", m[0], f)
			}
		}
	}
	if !strings.Contains(out, "1.7e+308") {
		t.Errorf("the axis of the target's chart does not reach its largest value")
	}
}
