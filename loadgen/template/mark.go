package template

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
)

// Marks lets another layer frame templated text as it frames any: each
// filler of the templates it marks stands in their text as a marker of
// letters and digits, which URL escaping and header writing leave as they
// are; Read turns the framed text back into one template. net/http's
// request writer frames a request this way once, and every request after
// is the compiled result, filled.
type Marks struct {
	prefix string // "zq" and a random nonce: no text holds it by chance
	fills  []filler
	data   *Data
}

// NewMarks is a set of marks with a nonce of its own.
func NewMarks() *Marks {
	return &Marks{prefix: fmt.Sprintf("zq%016xn", rand.Uint64())}
}

// Mark is t's text with each filler replaced by its marker.
func (m *Marks) Mark(t *Template) string {
	if t.data != nil {
		m.data = t.data
	}
	var b strings.Builder
	for _, p := range t.parts {
		if p.fill == nil {
			b.WriteString(p.lit)
			continue
		}
		fmt.Fprintf(&b, "%s%dqz", m.prefix, len(m.fills))
		m.fills = append(m.fills, p.fill)
	}
	return b.String()
}

// Marked reports whether s holds a marker.
func (m *Marks) Marked(s string) bool { return strings.Contains(s, m.prefix) }

// Read compiles framed text back into a template: each marker its
// filler again, the rest literal. A marker that the framing cut or
// changed is an error.
func (m *Marks) Read(text string) (*Template, error) {
	t := &Template{data: m.data}
	for {
		i := strings.Index(text, m.prefix)
		if i < 0 {
			t.literal(text)
			return t, nil
		}
		t.literal(text[:i])
		rest := text[i+len(m.prefix):]
		end := strings.Index(rest, "qz")
		k, err := strconv.Atoi(rest[:max(end, 0)])
		if end < 0 || err != nil || k < 0 || k >= len(m.fills) {
			return nil, fmt.Errorf("a template's value lost its place in the request")
		}
		t.parts = append(t.parts, part{fill: m.fills[k]})
		text = rest[end+2:]
	}
}
