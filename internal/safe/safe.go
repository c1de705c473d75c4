// Package safe makes text that came from outside strain fit to print: a
// target's reason phrase, its error page, the names and label values of
// its metrics. Such text may carry terminal escape sequences (which clear
// a screen, retitle a window or recolour what follows), line breaks (which
// forge log lines and break table rows), bidirectional overrides (which
// reorder what a reader sees), and any length at all.
//
// Line turns it into one line of printable characters of bounded length,
// the form every renderer can take as it is. It is a leaf, importing only
// the standard library, so that monitor and profiles, where such text
// enters, and tui and report, where it is drawn, share one definition.
package safe

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Line returns s as one line of printable characters, at most limit runes
// long (no bound when limit ≤ 0). Control characters (C0, DEL, C1: ESC,
// BEL, CR, LF, tab…), format characters (bidirectional overrides,
// zero-width joiners, U+FEFF), line and paragraph separators are written
// as Go escapes (`\x1b`, `\n`, `\u202e`); a byte that is not UTF-8 as
// `\xff`. A line cut short ends with "…". Printable text, including any
// non-ASCII letter, is kept as it is, and the result is unchanged by a
// second Line: the escapes are printable.
func Line(s string, limit int) string {
	if isPlain(s, limit) {
		return s
	}
	var b strings.Builder
	runes, cut := 0, 0 // cut: where to end, with "…", if s runs past limit
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		piece := s[i : i+size]
		switch {
		case r == utf8.RuneError && size == 1:
			piece = `\x` + hex2(s[i])
		case unprintable(r):
			piece = escape(r)
		}
		i += size
		n := utf8.RuneCountInString(piece)
		if limit > 0 && runes+n > limit {
			return b.String()[:cut] + "…"
		}
		b.WriteString(piece)
		runes += n
		if runes <= limit-1 {
			cut = b.Len()
		}
	}
	return b.String()
}

// IsLine reports whether s is already what Line(s, limit) makes of it.
func IsLine(s string, limit int) bool { return Line(s, limit) == s }

// isPlain reports, cheaply, that s is printable ASCII within limit: the
// common case, which Line returns as it is.
func isPlain(s string, limit int) bool {
	if limit > 0 && len(s) > limit {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return false
		}
	}
	return true
}

// unprintable reports whether r must not reach a terminal or a page as
// it is.
func unprintable(r rune) bool {
	return r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0 ||
		unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp)
}

// escape writes r as Go would quote it.
func escape(r rune) string {
	switch r {
	case '\n':
		return `\n`
	case '\r':
		return `\r`
	case '\t':
		return `\t`
	}
	if r < 0x100 {
		return `\x` + hex2(byte(r))
	}
	q := strconv.QuoteRuneToASCII(r) // '\u202e'
	return q[1 : len(q)-1]
}

func hex2(c byte) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[c>>4], digits[c&0xf]})
}
