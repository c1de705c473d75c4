package template

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func env(vars map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
}

func fill(t *testing.T, tpl *Template, seq uint64) string {
	t.Helper()
	f := NewFiller()
	f.At(seq)
	return string(tpl.Append(nil, f))
}

func TestParseErrors(t *testing.T) {
	data := mustData(t, "testdata/users.csv", InTurn)
	for _, tt := range []struct{ name, text, want string }{
		{"unknown", `{"id": {{rnd 1 2}}}`, `1:10: unknown function "rnd"`},
		{"second line", "a\nbb {{ nope }}", `2:7: unknown function "nope"`},
		{"unclosed", "x{{seq", "1:2: unclosed {{"},
		{"empty", "{{}}", "1:3: empty {{}}"},
		{"arity", "{{randint 1}}", "1:3: {{randint}} takes 2 argument(s), got 1"},
		{"lo above hi", "{{randint 5 1}}", "1:3: randint 5 1: LO is above HI"},
		{"randint range", "{{randint 0 9223372036854775807}}", "each bound within"},
		{"randstr zero", "{{randstr 0}}", "1:3: randstr 0: want a length from 1 to 1048576"},
		{"randstr big", "{{randstr 1048577}}", "want a length from 1 to 1048576"},
		{"env missing", "{{env NOPE}}", "1:3: {{env NOPE}}: the variable is not set"},
		{"row field", "{{row.age}}", `has no field "age" (it has id, name)`},
		{"row arg", "{{row.id 3}}", "{{row.id}} takes no argument"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.text, Body, Options{Data: data, LookupEnv: env(nil)})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Parse(%q) = %v, want an error with %q", tt.text, err, tt.want)
			}
		})
	}
	if _, err := Parse("{{row.id}}", Body, Options{}); err == nil || !strings.Contains(err.Error(), "--data-file") {
		t.Errorf("row without a data file: %v", err)
	}
}

func TestFill(t *testing.T) {
	tpl, err := Parse("s={{seq}} u={{uuid}} i={{randint -3 3}} r={{randstr 25}} e={{env TOKEN}}", Body, Options{LookupEnv: env(map[string]string{"TOKEN": "t0k"})})
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`^s=(\d+) u=([0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}) i=(-?\d+) r=([A-Za-z0-9]{25}) e=t0k$`)
	f := NewFiller()
	uuids := map[string]bool{}
	ints := map[int]int{}
	for seq := uint64(0); seq < 2000; seq++ {
		f.At(seq)
		got := string(tpl.Append(nil, f))
		m := re.FindStringSubmatch(got)
		if m == nil {
			t.Fatalf("request %d: %q does not match %s", seq, got, re)
		}
		if m[1] != strconv.FormatUint(seq, 10) {
			t.Errorf("seq %s, want %d", m[1], seq)
		}
		if uuids[m[2]] {
			t.Errorf("uuid %s twice", m[2])
		}
		uuids[m[2]] = true
		n, _ := strconv.Atoi(m[3])
		ints[n]++
	}
	for v := -3; v <= 3; v++ {
		if ints[v] == 0 {
			t.Errorf("randint -3 3 never gave %d in 2000 draws: %v", v, ints)
		}
	}
	if len(ints) != 7 {
		t.Errorf("randint -3 3 gave %v", ints)
	}
	if tpl.Max() < len(fill(t, tpl, 1<<63)) {
		t.Errorf("Max %d below a filled length", tpl.Max())
	}
}

// {{"TEXT"}} is TEXT as it is: the way to send {{.
func TestQuotedLiteral(t *testing.T) {
	tpl, err := Parse(`a{{"{{"}}b{{ "}" }}{{seq}}`, Body, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := fill(t, tpl, 7); got != "a{{b}7" {
		t.Errorf("got %q", got)
	}
	if _, err := Parse(`{{"a\r\nb"}}`, Header, Options{}); err == nil || !strings.Contains(err.Error(), "control character") {
		t.Errorf("a CR LF into a header: %v", err)
	}
	if _, err := Parse(`{{"abc}}`, Body, Options{}); err == nil || !strings.Contains(err.Error(), "1:3: \"abc: want a Go string literal") {
		t.Errorf("an unterminated literal: %v", err)
	}
}

func TestRandintFullRange(t *testing.T) {
	tpl, err := Parse(fmt.Sprintf("{{randint %d %d}}", -MaxRandint, MaxRandint), Body, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 1000; i++ {
		n, err := strconv.ParseInt(fill(t, tpl, 0), 10, 64)
		if err != nil || n < -MaxRandint || n > MaxRandint {
			t.Fatalf("randint gave %d, %v", n, err)
		}
	}
}

func TestStatic(t *testing.T) {
	tpl, err := Parse("/a/{{env K}}/b", Path, Options{LookupEnv: env(map[string]string{"K": "x/y z"})})
	if err != nil {
		t.Fatal(err)
	}
	if !tpl.Static() || tpl.String() != "/a/x%2Fy%20z/b" {
		t.Errorf("static %v, text %q", tpl.Static(), tpl.String())
	}
	if _, err := Parse("{{env K}}", Header, Options{LookupEnv: env(map[string]string{"K": "a\r\nb"})}); err == nil || strings.Contains(err.Error(), "a\r\nb") {
		t.Errorf("a control character in a header's env value: %v (the value must not be shown)", err)
	}
}

func mustData(t *testing.T, path string, order Order) *Data {
	t.Helper()
	d, err := ReadData(path, order)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestRowsInTurn(t *testing.T) {
	for _, file := range []string{"testdata/users.csv", "testdata/users.jsonl"} {
		t.Run(filepath.Ext(file), func(t *testing.T) {
			d := mustData(t, file, InTurn)
			body, err := Parse("{{row.id}}:{{row.name}}", Body, Options{Data: d})
			if err != nil {
				t.Fatal(err)
			}
			query, err := Parse("{{row.name}}", Query, Options{Data: d})
			if err != nil {
				t.Fatal(err)
			}
			want := []string{"1:ann", "2:bob smith", "3:c&d", "1:ann"}
			wantQ := []string{"ann", "bob+smith", "c%26d", "ann"}
			for seq := range want {
				if got := fill(t, body, uint64(seq)); got != want[seq] {
					t.Errorf("request %d: %q, want %q", seq, got, want[seq])
				}
				if got := fill(t, query, uint64(seq)); got != wantQ[seq] {
					t.Errorf("request %d in a query: %q, want %q", seq, got, wantQ[seq])
				}
			}
		})
	}
}

// Random order: each row is taken, and one request's fields all come from
// the same row.
func TestRowsRandom(t *testing.T) {
	d := mustData(t, "testdata/users.csv", Random)
	tpl, err := Parse("{{row.id}}={{row.id}}", Body, Options{Data: d})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for seq := uint64(0); seq < 300; seq++ {
		a, b, _ := strings.Cut(fill(t, tpl, seq), "=")
		if a != b {
			t.Fatalf("request %d took rows %s and %s", seq, a, b)
		}
		seen[a]++
	}
	if len(seen) != 3 || seen["1"] < 50 || seen["2"] < 50 || seen["3"] < 50 {
		t.Errorf("rows taken %v in 300 requests", seen)
	}
}

func TestDataFileErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(text), 0o600)
		return p
	}
	for _, tt := range []struct{ name, file, text, want string }{
		{"no rows", "a.csv", "id\n", "no rows"},
		{"ragged", "b.csv", "id,name\n1\n", "wrong number of fields"},
		{"dup field", "c.csv", "id,id\n1,2\n", `field "id" twice`},
		{"bad json", "d.jsonl", "{\"a\":1}\n[1]\n", "line 2: want a JSON object"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadData(write(tt.file, tt.text), InTurn)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want %q", err, tt.want)
			}
		})
	}
	d := mustData(t, write("e.jsonl", "{\"a\":1}\n{\"b\":2}\n"), InTurn)
	if _, err := Parse("{{row.a}}", Body, Options{Data: d}); err == nil || !strings.Contains(err.Error(), `row 2 has no "a"`) {
		t.Errorf("a row without the field: %v", err)
	}
	d = mustData(t, write("f.csv", "h\n\"a\nb\"\n"), InTurn)
	if _, err := Parse("{{row.h}}", Header, Options{Data: d}); err == nil || !strings.Contains(err.Error(), "control character") {
		t.Errorf("a newline into a header: %v", err)
	}
	big := write("g.csv", "h\n"+strings.Repeat("x\n", MaxDataBytes/2+1))
	if _, err := ReadData(big, InTurn); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("a file past the bound: %v", err)
	}
}

func TestMarks(t *testing.T) {
	m := NewMarks()
	tpl, err := Parse("/items/{{seq}}?k={{randint 1 1}}", Path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	framed := "GET " + m.Mark(tpl) + " HTTP/1.1\r\n"
	if !m.Marked(framed) {
		t.Fatal("Marked found no marker")
	}
	back, err := m.Read(framed)
	if err != nil {
		t.Fatal(err)
	}
	if got := fill(t, back, 42); got != "GET /items/42?k=1 HTTP/1.1\r\n" {
		t.Errorf("read back %q", got)
	}
	if _, err := m.Read(framed[:strings.LastIndex(framed, "qz")]); err == nil {
		t.Error("a cut marker read back")
	}
}

// Filling allocates nothing once the buffer has grown.
func TestFillAllocs(t *testing.T) {
	d := mustData(t, "testdata/users.csv", Random)
	tpl, err := Parse("{{seq}} {{uuid}} {{randint 1 100}} {{randstr 40}} {{row.name}}", Body, Options{Data: d})
	if err != nil {
		t.Fatal(err)
	}
	f := NewFiller()
	buf := make([]byte, 0, tpl.Max())
	seq := uint64(0)
	if n := testing.AllocsPerRun(1000, func() { seq++; f.At(seq); buf = tpl.Append(buf[:0], f) }); n != 0 {
		t.Errorf("%v allocations per fill, want 0", n)
	}
}

func BenchmarkFill(b *testing.B) {
	tpl, err := Parse("/items/{{seq}}?u={{uuid}}", Path, Options{})
	if err != nil {
		b.Fatal(err)
	}
	f := NewFiller()
	buf := make([]byte, 0, 128)
	b.ReportAllocs()
	for i := uint64(0); b.Loop(); i++ {
		f.At(i)
		buf = tpl.Append(buf[:0], f)
	}
}
