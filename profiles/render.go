package profiles

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/strain-dev/strain/internal/safe"
)

// maxSymbolLen bounds, in runes, a name from a profile in a listing: a
// generic Go function's runs to a few hundred.
const maxSymbolLen = 1000

// symbol is a name from a profile fit for a terminal. A profile is the
// target's to write, function names and file names included.
func symbol(s string) string { return safe.Line(s, maxSymbolLen) }

// Render writes t as `go tool pprof -top` does: a short header, then one
// line per row with flat, flat%, sum%, cum, cum% and the function.
func (t *Table) Render(w io.Writer) error {
	bw := bufio.NewWriter(w)
	unit := outputUnit(t.Rows, t.Total, t.Unit)
	format := func(v int64) string { return label(v, t.Unit, unit) }
	var shown int64
	for _, r := range t.Rows {
		shown += r.Flat
	}
	fmt.Fprintf(bw, "Type: %s\n", symbol(t.SampleType))
	fmt.Fprintf(bw, "Showing %d of %d functions, accounting for %s, %s of %s total\n",
		len(t.Rows), t.Functions, format(shown), strings.TrimSpace(percentage(shown, t.Total)), format(t.Total))
	fmt.Fprintf(bw, "%10s %5s%% %5s%% %10s %5s%%\n", "flat", "flat", "sum", "cum", "cum")
	var sum int64
	for _, r := range t.Rows {
		sum += r.Flat
		inl := ""
		if r.Inline != "" {
			inl = " " + symbol(r.Inline)
		}
		fmt.Fprintf(bw, "%10s %s %s %10s %s  %s%s\n", format(r.Flat), percentage(r.Flat, t.Total),
			percentage(sum, t.Total), format(r.Cum), percentage(r.Cum, t.Total), symbol(r.Name), inl)
	}
	return bw.Flush()
}
