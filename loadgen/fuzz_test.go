package loadgen

import (
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// FuzzParseStages: --stages parses or is an error, never a panic. What it
// accepts has positive durations, finite targets ≥ 0 and a total that does
// not overflow, ramps to each target at its stage's end, and prints back
// to the same stages.
func FuzzParseStages(f *testing.F) {
	// The tricky seeds (an overflowing total, hex floats, -0, inf) are in
	// testdata/fuzz/FuzzParseStages.
	for _, s := range []string{"10s:50,30s:50,5s:0", "1s:10, 2m:0.5", "0s:1", "1s:", ":", ","} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		stages, err := ParseStages(s)
		if err != nil {
			return
		}
		if len(stages) == 0 {
			t.Fatalf("ParseStages(%q) accepted no stages", s)
		}
		p := Profile{Stages: stages}
		var total time.Duration
		for i, st := range stages {
			if st.Duration <= 0 || st.Target < 0 || math.IsNaN(st.Target) || math.IsInf(st.Target, 0) {
				t.Fatalf("ParseStages(%q): stage %d = %+v", s, i, st)
			}
			if total += st.Duration; total <= 0 {
				t.Fatalf("ParseStages(%q): the stages' total overflows", s)
			}
			if at := p.At(total); at != st.Target {
				t.Errorf("ParseStages(%q): level %v at the end of stage %d, want its target %v", s, at, i, st.Target)
			}
		}
		if end := p.End(); end != total {
			t.Errorf("ParseStages(%q): End() = %v, want %v", s, end, total)
		}
		again, err := ParseStages(formatStages(stages))
		if err != nil || len(again) != len(stages) {
			t.Fatalf("ParseStages(%q) printed as %q: %v, %v", s, formatStages(stages), again, err)
		}
		for i := range again {
			if again[i] != stages[i] {
				t.Errorf("ParseStages(%q) stage %d = %+v, printed and parsed again %+v", s, i, stages[i], again[i])
			}
		}
	})
}

// formatStages prints stages as --stages takes them.
func formatStages(stages []Stage) string {
	parts := make([]string, len(stages))
	for i, s := range stages {
		parts[i] = s.Duration.String() + ":" + strconv.FormatFloat(s.Target, 'g', -1, 64)
	}
	return strings.Join(parts, ",")
}

// FuzzParseTargets: a targets file parses or is an error (naming its
// line), never a panic. Every request it accepts has a method token, a
// valid http(s) URL and headers that can be sent as they are, and the
// requests print back to the same file.
func FuzzParseTargets(f *testing.F) {
	dir := f.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "body.json"), []byte(`{"a":1}`), 0o644); err != nil {
		f.Fatal(err)
	}
	// The tricky seeds (a CR inside a header line, NUL or non-token names,
	// CRLF endings, a second body) are in testdata/fuzz/FuzzParseTargets.
	for _, s := range []string{
		"# items\nGET http://127.0.0.1:8080/items\nAccept: application/json\n\nPOST http://127.0.0.1:8080/items\nContent-Type: application/json\n@body.json\n",
		"GET  http://127.0.0.1/  \n", "GET http://127.0.0.1/a b\n", "GET http://:80/\n", "GET http://user:pw@h/\n",
		"POST https://h/\n@missing\n", "\n\n#\n", "GET\n", "G-T http://h/\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		targets, err := ParseTargets(strings.NewReader(in), dir)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "line ") && err.Error() != "no requests in it" && !strings.HasPrefix(err.Error(), "read:") {
				t.Errorf("ParseTargets(%q): error %q does not name its line", in, err)
			}
			return
		}
		if len(targets) == 0 {
			t.Fatalf("ParseTargets(%q) accepted no requests", in)
		}
		for _, tg := range targets {
			checkTarget(t, in, tg)
		}
		again, err := ParseTargets(strings.NewReader(formatTargets(targets)), dir)
		if err != nil || len(again) != len(targets) {
			t.Fatalf("ParseTargets(%q) printed as %q: %v", in, formatTargets(targets), err)
		}
		for i := range again {
			if formatTargets(again[i:i+1]) != formatTargets(targets[i:i+1]) || string(again[i].Body) != string(targets[i].Body) {
				t.Errorf("ParseTargets(%q) request %d = %+v, printed and parsed again %+v", in, i, targets[i], again[i])
			}
		}
	})
}

// checkTarget fails t unless tg could go on the wire as it is.
func checkTarget(t *testing.T, in string, tg Target) {
	t.Helper()
	if !isToken(tg.Method) {
		t.Errorf("ParseTargets(%q): method %q", in, tg.Method)
	}
	if _, err := ParseURL(tg.URL); err != nil || tg.URL != strings.TrimSpace(tg.URL) {
		t.Errorf("ParseTargets(%q): URL %q: %v", in, tg.URL, err)
	}
	for name, values := range tg.Header {
		if !validFieldName(name) {
			t.Errorf("ParseTargets(%q): header name %q", in, name)
		}
		for _, v := range values {
			if !validFieldValue(v) || v != strings.TrimSpace(v) {
				t.Errorf("ParseTargets(%q): header %s value %q", in, name, v)
			}
		}
	}
	if tg.Body != nil && string(tg.Body) != `{"a":1}` {
		t.Errorf("ParseTargets(%q): body %q is not body.json's", in, tg.Body)
	}
}

// formatTargets prints targets in the targets file format, a body as
// @body.json (the only file the fuzz directory has).
func formatTargets(targets []Target) string {
	var b strings.Builder
	for _, tg := range targets {
		b.WriteString(tg.Method + " " + tg.URL + "\n")
		for _, name := range slices.Sorted(maps.Keys(tg.Header)) {
			for _, v := range tg.Header[name] {
				b.WriteString(name + ": " + v + "\n")
			}
		}
		if tg.Body != nil {
			b.WriteString("@body.json\n")
		}
		b.WriteString("\n")
	}
	return b.String()
}
