package profiles

import (
	"bytes"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/pprof/profile"
)

func TestDiffOfAProfileWithItselfIsEmpty(t *testing.T) {
	for name, p := range map[string]*profile.Profile{"recursive": recursive, "inlined": inlined} {
		t.Run(name, func(t *testing.T) {
			d, err := Diff(p, p)
			if err != nil {
				t.Fatal(err)
			}
			tab, err := Top(d, "", 0, false)
			if err != nil {
				t.Fatal(err)
			}
			if len(tab.Rows) != 0 {
				t.Errorf("Top(Diff(p, p)): got %v, want no rows", tab.Rows)
			}
			path := filepath.Join(t.TempDir(), "diff.pb.gz")
			if err := Write(path, d); err != nil {
				t.Fatal(err)
			}
			if rows := pprofTop(t, path); len(rows) != 0 {
				t.Errorf("go tool pprof -top of the written diff: got rows %q, want none", rows)
			}
		})
	}
}

func TestDiffAgreesWithPprofDiffBase(t *testing.T) {
	base := synthetic("cpu", "nanoseconds",
		sample{10e6, []string{"a", "main"}},
		sample{10e6, []string{"b", "main"}},
	)
	newer := synthetic("cpu", "nanoseconds",
		sample{30e6, []string{"a", "main"}},
		sample{4e6, []string{"b", "main"}},
		sample{2e6, []string{"c", "main"}},
	)
	d, err := Diff(base, newer)
	if err != nil {
		t.Fatal(err)
	}
	tab, err := Top(d, "", 0, false)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range tab.Rows {
		got = append(got, r.Name+" "+itoa64(r.Flat))
	}
	want := []string{"a 20000000", "b -6000000", "c 2000000", "main 0"}
	if !slices.Equal(got, want) {
		t.Errorf("Top(Diff): got %v, want %v", got, want)
	}
	if tab.Total != 20e6 {
		t.Errorf("Total of a diff: got %d, want the base's 20000000", tab.Total)
	}

	dir := t.TempDir()
	paths := map[string]string{}
	for name, p := range map[string]*profile.Profile{"base": base, "new": newer, "diff": d} {
		paths[name] = filepath.Join(dir, name+".pb.gz")
		if err := Write(paths[name], p); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	tab.Render(&buf)
	mine := tableLines(buf.String())
	for _, args := range [][]string{{"-diff_base=" + paths["base"], paths["new"]}, {paths["diff"]}} {
		if theirs := pprofTop(t, args...); !slices.Equal(mine, theirs) {
			t.Errorf("go tool pprof -top %s:\n%s\nwant (ours):\n%s", strings.Join(args, " "), strings.Join(theirs, "\n"), strings.Join(mine, "\n"))
		}
	}
}

func TestDiffOfDifferentKindsFails(t *testing.T) {
	if _, err := Diff(recursive, ties); err == nil || !strings.HasPrefix(err.Error(), "diff: ") {
		t.Errorf("Diff(cpu, alloc_space): got %v, want a diff: error", err)
	}
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }
