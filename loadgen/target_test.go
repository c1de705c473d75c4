package loadgen

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseTargets(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "body.json"), []byte(`{"a":1}`), 0o644)
	in := `# items
GET http://127.0.0.1:8080/items
Accept: application/json

POST http://127.0.0.1:8080/items
Content-Type: application/json
X-Multi: a
X-Multi: b
@body.json
`
	got, err := ParseTargets(strings.NewReader(in), dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("got %d targets", len(got))
	}
	if got[0].Method != "GET" || got[0].Header.Get("Accept") != "application/json" || got[0].Body != nil {
		t.Errorf("first = %+v", got[0])
	}
	if got[1].Method != "POST" || string(got[1].Body) != `{"a":1}` || len(got[1].Header.Values("X-Multi")) != 2 {
		t.Errorf("second = %+v", got[1])
	}
}

func TestParseTargetsErrorsNameTheLine(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "# nothing\n\n", "no requests"},
		{"no URL", "GET\n", "line 1"},
		{"lowercase method", "get http://127.0.0.1/\n", "line 1"},
		{"bad URL", "\n\nGET ftp://x/\n", "line 3"},
		{"bad header", "GET http://127.0.0.1/\nnot a header\n", "line 2"},
		{"header name not a token", "GET http://127.0.0.1/\nNäme: a\n", "line 2"},
		{"CR in a header", "GET http://127.0.0.1/\nX-A: a\rX-B: b\n", "line 2"},
		{"missing body", "POST http://127.0.0.1/\n@nope.json\n", "line 2"},
		{"two bodies", "POST http://127.0.0.1/\n@b\n@b\n", "line 3"},
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "b"), []byte("x"), 0o644)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseTargets(strings.NewReader(tt.in), dir)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

// A port that cannot be is bad input (exit 2), not an unreachable target.
func TestParseURLPort(t *testing.T) {
	for raw, ok := range map[string]bool{
		"http://127.0.0.1:8080/": true, "http://127.0.0.1/": true, "https://[::1]:443/x": true,
		"http://127.0.0.1:99999/": false, "http://127.0.0.1:0/": false,
	} {
		if _, err := ParseURL(raw); (err == nil) != ok {
			t.Errorf("ParseURL(%q) = %v, want ok %v", raw, err, ok)
		}
	}
}
