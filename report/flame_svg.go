package report

import (
	"fmt"
	"hash/fnv"
	"strings"

	"github.com/strain-dev/strain/flame"
)

// A flame graph's rows, in CSS pixels: its frames are placed in percent
// of its width, so it fits a phone's screen as a desktop's, and each
// frame clips its own name.
const (
	flameRow   = 16
	flameFrame = 15
)

// writeFlameSVG draws g as an icicle, its root on top as pprof draws it,
// each frame a nested <svg> (which clips its text) holding its full name
// and value as a tooltip; frames of culprit are marked. The page's script
// zooms and searches it; without the script it reads all the same.
func writeFlameSVG(b *strings.Builder, g *flame.Graph, culprit string) {
	depth := 0
	var rows func(n *flame.Node, d int)
	rows = func(n *flame.Node, d int) {
		depth = max(depth, d)
		for _, c := range n.Children {
			rows(c, d+1)
		}
	}
	rows(g.Root, 0)
	fmt.Fprintf(b, `<svg class="fg" width="100%%" height="%d" role="img" aria-label="flame graph">`, (depth+1)*flameRow)
	var draw func(n *flame.Node, d int, x float64)
	draw = func(n *flame.Node, d int, x float64) {
		w := 100 * float64(n.Value) / float64(g.Root.Value)
		class := colourClass(n.Name)
		if culprit != "" && n.Name == culprit {
			class = "m"
		}
		name := svgText(limitName(n.Name))
		fmt.Fprintf(b, `<svg class="f %s" x="%.4f%%" y="%d" width="%.4f%%" height="%d"><title>%s&#10;%s · %s</title><rect width="100%%" height="100%%"/><text x="3" y="11">%s</text></svg>`,
			class, x, d*flameRow, w, flameFrame, name, svgText(amount(g, n.Value)), percentOf(n.Value, g.Root.Value), svgText(limitRunes(shortName(n.Name), maxTextLen)))
		for _, c := range n.Children {
			draw(c, d+1, x)
			x += 100 * float64(c.Value) / float64(g.Root.Value)
		}
	}
	draw(g.Root, 0, 0)
	b.WriteString("</svg>")
}

// colourClass picks one of the page's frame colours by a function's
// package, so a package's frames share a colour as in pprof.
func colourClass(fn string) string {
	slash, pkg := strings.LastIndexByte(fn, '/')+1, fn
	if i := strings.IndexByte(fn[slash:], '.'); i >= 0 {
		pkg = fn[:slash+i]
	}
	h := fnv.New32a()
	h.Write([]byte(pkg))
	return fmt.Sprintf("c%d", h.Sum32()%8)
}
