package profiles

import (
	"bufio"
	"fmt"
	"io"
	"path/filepath"
)

// RenderStacks writes the n largest groups of stacks (all when n <= 0),
// each with its count, where it waits, and its calls.
func RenderStacks(stacks []Stack, n int) func(io.Writer) error {
	return func(w io.Writer) error {
		bw := bufio.NewWriter(w)
		var total int64
		for _, s := range stacks {
			total += s.Count
		}
		fmt.Fprintf(bw, "%d goroutines in %d stacks\n", total, len(stacks))
		for _, s := range head(stacks, n) {
			fmt.Fprintf(bw, "\n%8d  %s\n", s.Count, symbol(Where(s.Frames)))
			writeFrames(bw, s.Frames)
		}
		return bw.Flush()
	}
}

// Render writes the comparison: the totals, then each stack that changed,
// most grown first, with its counts before and after.
func (l *Leak) Render(w io.Writer) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "goroutines %d → %d (%+d)\n", l.Base, l.New, l.New-l.Base)
	if len(l.Stacks) == 0 {
		fmt.Fprintln(bw, "no stack changed")
	}
	for _, g := range l.Stacks {
		fmt.Fprintf(bw, "\n%+8d  %s  (%d → %d)\n", g.Delta(), symbol(Where(g.Frames)), g.Base, g.New)
		writeFrames(bw, g.Frames)
	}
	return bw.Flush()
}

// writeFrames lists calls, innermost first, with their file's base name.
func writeFrames(w io.Writer, frames []Frame) {
	for _, f := range frames {
		if f.File == "" {
			fmt.Fprintf(w, "          %s\n", symbol(f.Func))
			continue
		}
		fmt.Fprintf(w, "          %s  %s:%d\n", symbol(f.Func), symbol(filepath.Base(f.File)), f.Line)
	}
}

// head is the first n of s, or all of s when n <= 0.
func head[T any](s []T, n int) []T {
	if n > 0 && len(s) > n {
		return s[:n]
	}
	return s
}
