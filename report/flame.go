package report

import (
	"cmp"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"path/filepath"
	"strings"

	"github.com/strain-dev/strain/flame"
	"github.com/strain-dev/strain/metric"
)

// The page's bounds on what it draws of the captures: a run that took
// every capture it may (50 by default) keeps its page a few megabytes.
const (
	maxFlames  = 30      // graphs drawn; the other captures are listed only
	maxBytes   = 4 << 20 // their markup, all told: a graph past it is not drawn
	maxNameLen = 300     // runes of a function's name in a tooltip or a list
	maxTextLen = 100     // runes of its short name written in its frame, which clips it
)

// flames are the captures' flame graphs for one page: each drawn once,
// beside the first finding whose evidence it is, else under Profiles.
type flames struct {
	kinds map[string]string // a capture's kind by its path
	drawn map[string]int    // the captures tried so far, by path ("base→new" for a comparison): the id of their graph, or 0
	n     int               // graphs drawn, for their ids and the bound
	bytes int               // their markup's size, for maxBytes
}

func (r *Report) flames() *flames {
	fl := &flames{kinds: map[string]string{}, drawn: map[string]int{}}
	for _, p := range r.Profiles {
		fl.kinds[p.Path] = p.Kind
	}
	return fl
}

// evidence is the flame graph of each of f's profiles, its culprit
// marked: a leak's is what grew from the first dump to the last.
func (fl *flames) evidence(f Finding) template.HTML {
	var b strings.Builder
	for _, ev := range f.Evidence {
		if ev.Profile == "" {
			continue
		}
		key, what := ev.Profile, describe(fl.kinds[ev.Profile])
		load := func() (*flame.Graph, error) { return flame.Load(ev.Profile) }
		if ev.Base != "" {
			key, what = ev.Base+"→"+ev.Profile, "what grew between two dumps"
			load = func() (*flame.Graph, error) { return flame.LoadGrew(ev.Base, ev.Profile) }
		}
		if id, ok := fl.drawn[key]; ok {
			fmt.Fprintf(&b, `<p class="axis">%s: %s.</p>`, svgText(ev.Profile), cmp.Or(link(id, "drawn above"), "see above"))
			continue
		}
		b.WriteString(string(fl.figure(key, what, load, ev.Function)))
	}
	return template.HTML(b.String())
}

// profiles is the list of captures, then the flame graph of each not
// drawn beside a finding.
func (fl *flames) profiles(ps []Profile) template.HTML {
	if len(ps) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("<h2>Profiles</h2><table>")
	for _, p := range ps {
		graph := ""
		if id, ok := fl.drawn[p.Path]; ok {
			graph = link(id, "its flame graph, above")
		}
		fmt.Fprintf(&b, "<tr><td><code>%s</code></td><td>%s</td><td>%s</td><td>%s</td></tr>", svgText(p.Path), svgText(p.Kind), svgText(p.Reason), graph)
	}
	b.WriteString("</table>")
	for _, p := range ps {
		if _, ok := fl.drawn[p.Path]; ok {
			continue
		}
		if p.Kind == "trace" || p.Kind == "flight" {
			fmt.Fprintf(&b, `<p class="axis">%s: an execution trace, not drawn here: <code>go tool trace %s</code></p>`, svgText(p.Path), svgText(p.Path))
			continue
		}
		b.WriteString(string(fl.figure(p.Path, describe(p.Kind), func() (*flame.Graph, error) { return flame.Load(p.Path) }, "")))
	}
	return template.HTML(b.String())
}

// figure draws one graph with its caption, or a note of why it cannot.
func (fl *flames) figure(key, what string, load func() (*flame.Graph, error), culprit string) template.HTML {
	fl.drawn[key] = 0
	name := svgText(filepath.Base(key))
	if fl.n >= maxFlames {
		return template.HTML(fmt.Sprintf(`<p class="axis">%s: not drawn (a page draws %d profiles at most).</p>`, name, maxFlames))
	}
	g, err := load()
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return template.HTML(fmt.Sprintf(`<p class="warn">⚠️ %s: not drawn, its file is not here (%s)</p>`, name, svgText(err.Error())))
	case err != nil:
		return template.HTML(fmt.Sprintf(`<p class="warn">⚠️ %s: not drawn: %s</p>`, name, svgText(err.Error())))
	}
	if g.Root.Value <= 0 {
		return template.HTML(fmt.Sprintf(`<p class="axis">%s: %s, with nothing to draw (no samples).</p>`, svgText(key), svgText(what)))
	}
	g.Trim(flame.Limits{}, func(n string) bool { return culprit != "" && n == culprit })
	fl.n++ // an id used once, drawn or not
	var b strings.Builder
	fmt.Fprintf(&b, `<figure class="flame" id="flame%d"><figcaption>`, fl.n)
	writeCaption(&b, g, key, what, culprit)
	b.WriteString(`</figcaption><div class="fbar"><input type="search" placeholder="search frames" aria-label="search frames"> <button type="button">reset zoom</button> <span class="fmatch"></span></div>`)
	writeFlameSVG(&b, g, culprit)
	writeGroups(&b, g)
	b.WriteString("</figure>")
	if fl.bytes+b.Len() > maxBytes {
		return template.HTML(fmt.Sprintf(`<p class="axis">%s: not drawn (the page's flame graphs are %d MiB at most).</p>`, name, maxBytes>>20))
	}
	fl.bytes += b.Len()
	fl.drawn[key] = fl.n
	return template.HTML(b.String())
}

// link is text linking to graph id, or "" for a graph not drawn.
func link(id int, text string) string {
	if id == 0 {
		return ""
	}
	return fmt.Sprintf(`<a href="#flame%d">%s</a>`, id, text)
}

// describe names a capture of kind as its graph's caption does.
func describe(kind string) string {
	switch kind {
	case "goroutine":
		return "goroutine dump"
	case "":
		return "profile"
	}
	return kind + " profile"
}

// writeCaption says what a graph is of, its total, its culprit's share
// and what was left out of it.
func writeCaption(b *strings.Builder, g *flame.Graph, key, what, culprit string) {
	fmt.Fprintf(b, `<b>%s</b> · <code>%s</code> · %s in all`, svgText(what), svgText(key), svgText(amount(g, g.Root.Value)))
	if share := marked(g.Root, culprit); culprit != "" && share > 0 {
		fmt.Fprintf(b, ` · <span class="fkey"></span> culprit <b>%s</b>: %s of it, with what it calls`, svgText(shortName(culprit)), svgText(percentOf(share, g.Root.Value)))
	}
	if g.Trimmed > 0 {
		fmt.Fprintf(b, ` · %d small frames left out`, g.Trimmed)
	}
	if g.Cut > 0 {
		fmt.Fprintf(b, ` · %d stacks cut short (too deep, or too many frames)`, g.Cut)
	}
}

// marked is the value under the topmost frames named fn: the share of
// the profile that passed through it.
func marked(n *flame.Node, fn string) int64 {
	if n.Name == fn {
		return n.Value
	}
	var v int64
	for _, c := range n.Children {
		v += marked(c, fn)
	}
	return v
}

// writeGroups lists a goroutine dump's largest groups of stacks with their
// counts, or what grew between two dumps.
func writeGroups(b *strings.Builder, g *flame.Graph) {
	if len(g.Groups) == 0 {
		return
	}
	grew := g.Base != 0 || g.New != 0
	if grew {
		fmt.Fprintf(b, `<p class="axis">%s %d → %d (%+d); the stacks whose count changed, most grown first:</p>`, g.Units, g.Base, g.New, g.New-g.Base)
	}
	b.WriteString(`<table class="groups">`)
	for _, gr := range g.Groups {
		count := fmt.Sprintf("%d", gr.New)
		if grew {
			count = fmt.Sprintf("%+d (%d → %d)", gr.New-gr.Base, gr.Base, gr.New)
		}
		fmt.Fprintf(b, `<tr><td class="n">%s</td><td><details><summary><code>%s</code></summary><pre>`, count, svgText(limitName(gr.Where)))
		for _, f := range gr.Frames[:min(len(gr.Frames), flame.DefaultMaxDepth)] {
			b.WriteString(svgText(limitName(f)) + "\n")
		}
		b.WriteString("</pre></details></td></tr>")
	}
	b.WriteString("</table>")
}

// amount is v in g's unit, as the page writes it.
func amount(g *flame.Graph, v int64) string {
	switch g.Unit {
	case "nanoseconds":
		return metric.FormatSeconds(float64(v) / 1e9)
	case "bytes":
		return metric.FormatBytes(float64(v))
	}
	return fmt.Sprintf("%d %s", v, cmp.Or(g.Units, g.SampleType))
}

func percentOf(v, total int64) string {
	if total == 0 {
		return "0%"
	}
	return fmt.Sprintf("%.1f%%", 100*float64(v)/float64(total))
}

// shortName is a function's name without its package's path:
// github.com/x/y/target.hog is target.hog.
func shortName(fn string) string {
	if i := strings.LastIndexByte(fn, '/'); i >= 0 && i < len(fn)-1 {
		return fn[i+1:]
	}
	return fn
}

// limitName bounds a name from a profile, which is the target's to write.
func limitName(s string) string { return limitRunes(s, maxNameLen) }

func limitRunes(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
