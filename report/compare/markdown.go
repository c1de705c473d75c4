package compare

import (
	"io"
	"strings"
)

// WriteMarkdown renders the comparison as WriteText does, as a Markdown
// table (for a pull request, or GitHub Actions' step summary).
func (c *Comparison) WriteMarkdown(w io.Writer) error {
	e := &errWriter{w: w}
	e.printf("## strain: %s against %s\n\n", md(c.NewName), md(c.OldName))
	e.printf("- old: `%s`, %s\n- new: `%s`, %s\n\n", code(c.OldName), md(describe(c.Old)), code(c.NewName), md(describe(c.New)))
	e.printf("| | old | new | change | |\n|---|---:|---:|---:|---|\n")
	for _, s := range c.Sections {
		e.printf("| **%s** | | | | |\n", md(s.Title))
		for _, r := range s.Rows {
			e.printf("| `%s` | %s | %s | %s | %s |\n", code(r.Metric), md(r.Old.Shown(r.Metric)), md(r.New.Shown(r.Metric)), md(r.Change()), md(r.Test.Detail()))
		}
	}
	e.printf("\n")
	for _, n := range c.Tests {
		e.printf("- %s\n", md(n.Sentence(c.NewName)))
	}
	e.printf("\n%s\n", md(footnote()))
	if len(c.New.Gates) > 0 {
		e.printf("\n**Gates of %s**\n\n", md(c.NewName))
		c.New.WriteGatesMarkdown(e)
	}
	for _, warn := range c.Warnings {
		e.printf("\n> ⚠️ %s\n", md(warn))
	}
	return e.err
}

// md is s fit for a Markdown table cell: one clean line, its pipes and
// backticks escaped, its markup characters too.
func md(s string) string {
	return strings.NewReplacer("|", `\|`, "`", "'", "<", "&lt;", ">", "&gt;", "*", `\*`, "_", `\_`, "[", `\[`).Replace(clean(s))
}

// code is s fit for a code span in a table cell: one clean line, no
// backtick to end it early, its pipes escaped (GitHub reads \| in a
// table's code span as a pipe).
func code(s string) string {
	return strings.NewReplacer("|", `\|`, "`", "'").Replace(clean(s))
}
