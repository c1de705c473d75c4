package safe

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestLine(t *testing.T) {
	tests := []struct {
		name, in string
		limit    int
		want     string
	}{
		{"plain", "500 Internal Server Error", 0, "500 Internal Server Error"},
		{"terminal escapes", "500 \x1b[2J\x1b]0;pwned\a\x1b[31mRED", 0, `500 \x1b[2J\x1b]0;pwned\x07\x1b[31mRED`},
		{"line breaks", "ok\r\nwarning: forged", 0, `ok\r\nwarning: forged`},
		{"tab and DEL", "a\tb\x7f", 0, `a\tb\x7f`},
		{"C1 CSI", "a\u009b2Jb", 0, `a\x9b2Jb`},
		{"bidi override", "evil\u202etxt.exe", 0, `evil\u202etxt.exe`},
		{"not UTF-8", "a\xffb", 0, `a\xffb`},
		{"letters kept", "café 日本 µs …", 0, "café 日本 µs …"},
		{"real U+FFFD kept", "a\uFFFDb", 0, "a\uFFFDb"},
		{"cut", "abcdefghij", 5, "abcd…"},
		{"exactly at the bound", "abcde", 5, "abcde"},
		{"cut in runes", "ééééééé", 4, "ééé…"},
		{"escape not split", "ab\x1bcdef", 5, "ab…"},
		{"bound of one", "ab", 1, "…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Line(tt.in, tt.limit); got != tt.want {
				t.Errorf("Line(%q, %d) = %q, want %q", tt.in, tt.limit, got, tt.want)
			}
		})
	}
}

// FuzzLine: whatever goes in, what comes out is one printable line within
// the bound, and Line leaves it as it is.
func FuzzLine(f *testing.F) {
	f.Add("500 \x1b[2J\x1b]0;pwned\a\x1b[31mRED", 12)
	f.Add("a\u202eb\xff\u2028", 0)
	f.Fuzz(func(t *testing.T, s string, limit int) {
		limit %= 1000
		got := Line(s, limit)
		if limit > 0 && utf8.RuneCountInString(got) > limit {
			t.Errorf("Line(%q, %d) = %q: %d runes", s, limit, got, utf8.RuneCountInString(got))
		}
		if !utf8.ValidString(got) {
			t.Errorf("Line(%q, %d) = %q: not UTF-8", s, limit, got)
		}
		if i := strings.IndexFunc(got, unprintable); i >= 0 {
			t.Errorf("Line(%q, %d) = %q: %U at %d", s, limit, got, []rune(got[i:])[0], i)
		}
		if !IsLine(got, limit) {
			t.Errorf("Line(%q, %d) = %q, which Line changes again", s, limit, got)
		}
		if limit <= 0 && !strings.ContainsFunc(s, func(r rune) bool { return r == utf8.RuneError || !unicode.IsPrint(r) && r != ' ' }) && got != s {
			t.Errorf("Line(%q) = %q: printable text changed", s, got)
		}
	})
}
