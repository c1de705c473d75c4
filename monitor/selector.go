package monitor

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	dto "github.com/prometheus/client_model/go"
)

// Selector picks a Prometheus family's label sets: those whose labels
// have every value it names, as {instance="a",job="api"} does in PromQL.
type Selector map[string]string

// Matches reports whether a sample's labels have every value s names.
func (s Selector) Matches(labels []*dto.LabelPair) bool {
	for name, want := range s {
		found := false
		for _, l := range labels {
			if l.GetName() == name {
				found = l.GetValue() == want
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

var labelRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// maxSelectorLabels bounds a selector's labels.
const maxSelectorLabels = 16

// parseSeries splits "name" or `name{label="value",…}` into the family's
// name and its selector (nil without one).
func parseSeries(tok string) (string, Selector, error) {
	name, rest, braced := strings.Cut(tok, "{")
	if !nameRe.MatchString(name) {
		return "", nil, fmt.Errorf("prom series %q: not a metric name", name)
	}
	if !braced {
		return name, nil, nil
	}
	body, ok := strings.CutSuffix(rest, "}")
	if !ok {
		return "", nil, fmt.Errorf("prom series %q: the selector has no closing }", tok)
	}
	sel := Selector{}
	for body = strings.TrimSpace(body); body != ""; {
		label, after, ok := strings.Cut(body, "=")
		label = strings.TrimSpace(label)
		if !ok || !labelRe.MatchString(label) {
			return "", nil, fmt.Errorf("prom series %q: want label=\"value\" pairs in {}", tok)
		}
		value, tail, err := leadingQuoted(strings.TrimSpace(after))
		if err != nil {
			return "", nil, fmt.Errorf("prom series %q: label %s: %w", tok, label, err)
		}
		if _, dup := sel[label]; dup || len(sel) == maxSelectorLabels {
			return "", nil, fmt.Errorf("prom series %q: label %s twice, or more than %d labels", tok, label, maxSelectorLabels)
		}
		sel[label] = value
		tail = strings.TrimSpace(tail)
		if tail != "" && !strings.HasPrefix(tail, ",") {
			return "", nil, fmt.Errorf("prom series %q: want a comma between label pairs", tok)
		}
		body = strings.TrimSpace(strings.TrimPrefix(tail, ","))
	}
	if len(sel) == 0 {
		return "", nil, fmt.Errorf("prom series %q: an empty selector", tok)
	}
	return name, sel, nil
}

// leadingQuoted reads the double-quoted string s begins with, and returns
// its value and what follows it.
func leadingQuoted(s string) (string, string, error) {
	if !strings.HasPrefix(s, `"`) {
		return "", "", errors.New(`want a "quoted" value`)
	}
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			v, err := strconv.Unquote(s[:i+1])
			if err != nil {
				return "", "", fmt.Errorf("bad quoting: %w", err)
			}
			return v, s[i+1:], nil
		}
	}
	return "", "", errors.New("unterminated quoted value")
}

// addSeries adds a series, with its selector if it has one; one selector
// a family.
func (p *PromSpec) addSeries(tok string) error {
	name, sel, err := parseSeries(tok)
	if err != nil {
		return err
	}
	if sel != nil {
		if _, dup := p.Selectors[name]; dup {
			return fmt.Errorf("prom series %s: one selector a family", name)
		}
		if p.Selectors == nil {
			p.Selectors = map[string]Selector{}
		}
		p.Selectors[name] = sel
	}
	p.Series = append(p.Series, name)
	return nil
}

// seriesLike reports whether a token of a spec reads as a series rather
// than a source: a name, perhaps with a selector.
func seriesLike(tok string) bool {
	name, _, _ := strings.Cut(tok, "{")
	return nameRe.MatchString(name)
}

// splitSpec splits a spec at its commas, but not at those inside a
// selector's braces or quotes.
func splitSpec(s string) ([]string, error) {
	var out []string
	depth, quoted, start := 0, false, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case quoted && c == '\\':
			i++
		case c == '"' && depth > 0:
			quoted = !quoted
		case quoted:
		case c == '{':
			depth++
		case c == '}':
			depth--
		case c == ',' && depth == 0:
			out = append(out, s[start:i])
			start = i + 1
		}
		if depth < 0 || depth > 1 {
			return nil, errors.New("unbalanced { } in a selector")
		}
	}
	if depth != 0 || quoted {
		return nil, errors.New("unbalanced { } or quotes in a selector")
	}
	return append(out, s[start:]), nil
}
