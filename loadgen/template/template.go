// Package template fills per-request values into the text of a request:
// its URL, header values and body. A template is compiled once into
// literal segments and fillers, and each request appends its text to a
// buffer the caller reuses, with no allocation (text/template would cost
// several per request).
//
// The language:
//
//	{{seq}}            the request's number in the whole load, from 0
//	{{uuid}}           a random version 4 UUID
//	{{randint LO HI}}  a random integer from LO to HI, both included
//	{{randstr N}}      N random letters and digits
//	{{env NAME}}       the environment variable NAME, read once at Parse
//	{{row.FIELD}}      FIELD of the request's row of the data file
//	{{"TEXT"}}         TEXT as it is: {{"{{"}} sends {{
//
// Text outside {{ }} is sent as it is. Each {{uuid}}, {{randint}} and
// {{randstr}} draws a value of its own; {{seq}} and {{row.FIELD}} are the
// same everywhere in one request.
package template

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// Bounds on what a template may ask for.
const (
	MaxRandstr = 1 << 20 // N of {{randstr N}}
	MaxRandint = 1 << 62 // |LO| and |HI| of {{randint LO HI}}
)

// Context is where a template's text goes, which decides how a value is
// written into it: escaped in a URL, checked in a header.
type Context int

// The contexts a template can be in.
const (
	Body   Context = iota // as it is
	Header                // a header value: no control character
	Path                  // a URL's path: escaped as a path segment
	Query                 // a URL's query: escaped as a query value
)

// Options are what a template's values come from besides the request.
type Options struct {
	// Data is the data file's rows, for {{row.FIELD}}; nil when there is
	// none.
	Data *Data
	// LookupEnv reads {{env NAME}}; nil means os.LookupEnv's semantics
	// are not available and any {{env}} is an error.
	LookupEnv func(string) (string, bool)
}

// Template is a compiled template: its parts, each a literal or a filler.
type Template struct {
	parts []part
	data  *Data
}

// part is a literal (fill == nil) or a filler.
type part struct {
	lit  string
	fill filler
}

// filler appends one value of a request to dst.
type filler interface {
	append(dst []byte, f *Filler, d *Data) []byte
	// max is the longest value it can append.
	max() int
}

// Parse compiles text, which goes in ctx. An error names its position in
// text as line:column, e.g. `1:14: unknown function "rnd"`.
func Parse(text string, ctx Context, opts Options) (*Template, error) {
	t := &Template{data: opts.Data}
	for i := 0; i < len(text); {
		open := strings.Index(text[i:], "{{")
		if open < 0 {
			t.literal(text[i:])
			break
		}
		t.literal(text[i : i+open])
		start := i + open
		end := strings.Index(text[start+2:], "}}")
		if end < 0 {
			return nil, fmt.Errorf("%s: unclosed {{", position(text, start))
		}
		action := text[start+2 : start+2+end]
		f, err := compile(action, ctx, opts)
		if err != nil {
			at := start + 2 + len(action) - len(strings.TrimLeft(action, " \t"))
			return nil, fmt.Errorf("%s: %w", position(text, at), err)
		}
		t.add(f)
		i = start + 2 + end + 2
	}
	return t, nil
}

// position is offset's line and column in text, from 1.
func position(text string, offset int) string {
	before := text[:offset]
	line := strings.Count(before, "\n") + 1
	col := offset - strings.LastIndexByte(before, '\n')
	return fmt.Sprintf("%d:%d", line, col)
}

func (t *Template) literal(s string) {
	if s == "" {
		return
	}
	if n := len(t.parts); n > 0 && t.parts[n-1].fill == nil {
		t.parts[n-1].lit += s
		return
	}
	t.parts = append(t.parts, part{lit: s})
}

func (t *Template) add(f filler) {
	if l, ok := f.(literalFiller); ok { // {{env}}: a literal from now on
		t.literal(string(l))
		return
	}
	t.parts = append(t.parts, part{fill: f})
}

// Static reports whether t is the same for every request: no filler, or
// only {{env}}.
func (t *Template) Static() bool {
	return len(t.parts) == 0 || len(t.parts) == 1 && t.parts[0].fill == nil
}

// String is t's text for a static template (Static), its literal parts
// joined with each filler left out otherwise. It may hold an {{env}}
// value: never print it.
func (t *Template) String() string {
	var b strings.Builder
	for _, p := range t.parts {
		b.WriteString(p.lit)
	}
	return b.String()
}

// Append appends t's text for f's request to dst.
func (t *Template) Append(dst []byte, f *Filler) []byte {
	for i := range t.parts {
		p := &t.parts[i]
		if p.fill == nil {
			dst = append(dst, p.lit...)
		} else {
			dst = p.fill.append(dst, f, t.data)
		}
	}
	return dst
}

// Max is the longest text t can append for any request.
func (t *Template) Max() int {
	n := 0
	for _, p := range t.parts {
		if p.fill == nil {
			n += len(p.lit)
		} else {
			n += p.fill.max()
		}
	}
	return n
}

// compile makes the filler of one action, the text between {{ and }}.
func compile(action string, ctx Context, opts Options) (filler, error) {
	if q := strings.TrimSpace(action); strings.HasPrefix(q, `"`) {
		text, err := strconv.Unquote(q)
		if err != nil {
			return nil, fmt.Errorf("%s: want a Go string literal, as {{\"{{\"}}", q)
		}
		if ctx == Header { // an escape could hold what the header line could not
			if _, err := inContext(text, Header); err != nil {
				return nil, err
			}
		}
		return literalFiller(text), nil // the text it stands for, as text outside {{ }}
	}
	words := strings.Fields(action)
	if len(words) == 0 {
		return nil, fmt.Errorf("empty {{}}")
	}
	name, args := words[0], words[1:]
	if field, ok := strings.CutPrefix(name, "row."); ok {
		if len(args) != 0 {
			return nil, fmt.Errorf("{{%s}} takes no argument", name)
		}
		return compileRow(field, ctx, opts.Data)
	}
	want := map[string]int{"seq": 0, "uuid": 0, "randint": 2, "randstr": 1, "env": 1}
	n, known := want[name]
	if !known {
		return nil, fmt.Errorf("unknown function %q (want seq, uuid, randint LO HI, randstr N, env NAME or row.FIELD)", name)
	}
	if len(args) != n {
		return nil, fmt.Errorf("{{%s}} takes %d argument(s), got %d", name, n, len(args))
	}
	switch name {
	case "seq":
		return seqFiller{}, nil
	case "uuid":
		return uuidFiller{}, nil
	case "randint":
		return compileRandint(args[0], args[1])
	case "randstr":
		return compileRandstr(args[0])
	}
	return compileEnv(args[0], ctx, opts.LookupEnv)
}

func compileRandint(lo, hi string) (filler, error) {
	a, errA := strconv.ParseInt(lo, 10, 64)
	b, errB := strconv.ParseInt(hi, 10, 64)
	switch {
	case errA != nil || errB != nil:
		return nil, fmt.Errorf("randint %s %s: want two integers", lo, hi)
	case a > b:
		return nil, fmt.Errorf("randint %d %d: LO is above HI", a, b)
	case a < -MaxRandint || b > MaxRandint:
		return nil, fmt.Errorf("randint %d %d: each bound within ±%d", a, b, int64(MaxRandint))
	}
	return randintFiller{lo: a, n: uint64(b - a + 1)}, nil
}

func compileRandstr(n string) (filler, error) {
	v, err := strconv.Atoi(n)
	if err != nil || v < 1 || v > MaxRandstr {
		return nil, fmt.Errorf("randstr %s: want a length from 1 to %d", n, MaxRandstr)
	}
	return randstrFiller(v), nil
}

func compileEnv(name string, ctx Context, lookup func(string) (string, bool)) (filler, error) {
	if lookup == nil {
		return nil, fmt.Errorf("{{env %s}}: no environment here", name)
	}
	v, ok := lookup(name)
	if !ok {
		return nil, fmt.Errorf("{{env %s}}: the variable is not set", name)
	}
	v, err := inContext(v, ctx)
	if err != nil {
		return nil, fmt.Errorf("{{env %s}}: %w", name, err) // the value itself is never shown
	}
	return literalFiller(v), nil
}

// inContext is v as it is written in ctx: escaped in a URL; refused in a
// header if it holds a control character, which would end the header
// line on the wire.
func inContext(v string, ctx Context) (string, error) {
	switch ctx {
	case Path:
		return url.PathEscape(v), nil
	case Query:
		return url.QueryEscape(v), nil
	case Header:
		for i := 0; i < len(v); i++ {
			if c := v[i]; c < ' ' && c != '\t' || c == 0x7f {
				return "", fmt.Errorf("the value has a control character, which a header cannot hold")
			}
		}
	}
	return v, nil
}

// literalFiller is a value fixed at Parse: {{env}}'s.
type literalFiller string

func (l literalFiller) append(dst []byte, _ *Filler, _ *Data) []byte { return append(dst, l...) }
func (l literalFiller) max() int                                     { return len(l) }
