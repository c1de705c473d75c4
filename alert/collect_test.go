package alert

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCollect(t *testing.T) {
	file := filepath.Join(t.TempDir(), "rules.yaml")
	os.WriteFile(file, []byte("rules:\n  - error_rate > 5%\n"), 0o644)
	rules, err := Collect([]string{"crit: latency.p99 > 1s"}, []string{"default", file}, cat)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rules {
		got = append(got, r.Text)
	}
	want := append(append([]string{}, Defaults...), "error_rate > 5%", "crit: latency.p99 > 1s")
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("rules, in order:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestCollectErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("rules:\n  - latency.p99 >> 1s\n"), 0o644)
	cases := []struct {
		name         string
		texts, files []string
		want         string
	}{
		{"bad text", []string{"latency.p99 >> 1s"}, nil, `--alert "latency.p99 >> 1s" at column`},
		{"bad file", nil, []string{bad}, "rules file " + bad + ": line 2"},
		{"missing file", nil, []string{filepath.Join(dir, "missing")}, "read rules: "},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Collect(c.texts, c.files, cat)
			if err == nil || !strings.HasPrefix(err.Error(), c.want) {
				t.Errorf("err = %v, want it to start %q", err, c.want)
			}
		})
	}
	_, err := Collect([]string{"latency.p99 >> 1s"}, nil, cat)
	var pe *ParseError
	if !errors.As(err, &pe) {
		t.Errorf("err = %v, want a *ParseError inside", err)
	}
}

func TestParseGates(t *testing.T) {
	gates, err := ParseGates([]string{"latency.p99 < 200ms", "error_rate < 1%"}, cat)
	if err != nil {
		t.Fatal(err)
	}
	if len(gates) != 2 || gates[0].Text != "latency.p99 < 200ms" || gates[1].Text != "error_rate < 1%" {
		t.Errorf("gates = %+v", gates)
	}
	_, err = ParseGates([]string{"latency.p99 < 200ms", "latency.p99 << 1s"}, cat)
	if want := `--gate "latency.p99 << 1s" at column`; err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("err = %v, want it to start %q", err, want)
	}
}
