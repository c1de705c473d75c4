package profiles

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/pprof/profile"
)

// Synthetic profiles with the shapes that trip up a hand-written top:
// recursion, inlining, ties, negative values, and small functions below
// pprof's node fraction.
var (
	recursive = synthetic("cpu", "nanoseconds",
		sample{10e6, []string{"a", "b", "a", "main"}},
		sample{5e6, []string{"b", "main"}},
		sample{5e6, []string{"c", "c", "c", "main"}},
	)
	inlined = synthetic("cpu", "nanoseconds",
		sample{7e6, []string{"c+d", "main"}},
		sample{3e6, []string{"c", "main"}},
		sample{2e6, []string{"e+f", "main"}},
	)
	ties = synthetic("alloc_space", "bytes",
		sample{3 << 20, []string{"zeta", "main"}},
		sample{3 << 20, []string{"alpha", "main"}},
		sample{1, []string{"tiny", "main"}}, // under 0.5%: dropped
	)
)

func TestTop(t *testing.T) {
	type row struct {
		name      string
		flat, cum int64
		inline    string
	}
	tests := []struct {
		name string
		p    *profile.Profile
		n    int
		cum  bool
		want []row
	}{
		{"recursion counts once per sample", recursive, 0, false, []row{
			{"a", 10e6, 10e6, ""}, {"b", 5e6, 15e6, ""}, {"c", 5e6, 5e6, ""}, {"main", 0, 20e6, ""}}},
		{"by cum", recursive, 2, true, []row{{"main", 0, 20e6, ""}, {"b", 5e6, 15e6, ""}}},
		{"inlined functions are their own", inlined, 0, false, []row{
			{"c", 10e6, 10e6, "(partial-inline)"}, {"e", 2e6, 2e6, "(inline)"}, {"d", 0, 7e6, ""}, {"f", 0, 2e6, ""}, {"main", 0, 12e6, ""}}},
		{"ties by name, tiny dropped", ties, 0, false, []row{
			{"alpha", 3 << 20, 3 << 20, ""}, {"zeta", 3 << 20, 3 << 20, ""}, {"main", 0, 6<<20 + 1, ""}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tab, err := Top(tt.p, "", tt.n, tt.cum)
			if err != nil {
				t.Fatal(err)
			}
			var got []row
			for _, r := range tab.Rows {
				got = append(got, row{r.Name, r.Flat, r.Cum, r.Inline})
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("Top:\n got %v\nwant %v", got, tt.want)
			}
		})
	}
}

func TestTopBadSampleIndex(t *testing.T) {
	if _, err := Top(recursive, "alloc_space", 5, false); err == nil || !strings.Contains(err.Error(), "sample_index") {
		t.Errorf("Top with a sample type the profile lacks: got %v, want an error naming sample_index", err)
	}
	if _, err := Top(&profile.Profile{}, "", 5, false); err == nil {
		t.Error("Top of a profile without sample types: want an error")
	}
}

func TestTopAgreesWithPprof(t *testing.T) {
	dir := t.TempDir()
	self := selfProfiles(t)
	tests := []struct {
		name        string
		p           *profile.Profile
		sampleIndex string
		n           int
		cum         bool
	}{
		{"recursive", recursive, "", 0, false},
		{"recursive cum", recursive, "", 0, true},
		{"inlined", inlined, "", 0, false},
		{"ties", ties, "", 0, false},
		{"self heap inuse_space", self["heap"], "", 10, false},
		{"self heap alloc_objects cum", self["heap"], "alloc_objects", 10, true},
		{"self heap alloc_space", self["heap"], "alloc_space", 8, false},
		{"self goroutine", self["goroutine"], "", 10, false},
		{"self cpu", self["cpu"], "", 10, false},
		{"self cpu samples", self["cpu"], "samples", 10, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "_")+".pb.gz")
			if err := Write(path, tt.p); err != nil {
				t.Fatal(err)
			}
			tab, err := Top(tt.p, tt.sampleIndex, tt.n, tt.cum)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := tab.Render(&buf); err != nil {
				t.Fatal(err)
			}
			args := []string{"-nodecount=" + strconv.Itoa(tt.n)}
			if tt.cum {
				args = append(args, "-cum")
			}
			if tt.sampleIndex != "" {
				args = append(args, "-sample_index="+tt.sampleIndex)
			}
			args = append(args, asSymbolized(tt.p)...)
			want := pprofTop(t, append(args, path)...)
			if got := tableLines(buf.String()); !slices.Equal(got, want) {
				t.Errorf("Top disagrees with go tool pprof -top %s:\n got:\n%s\nwant:\n%s", strings.Join(args, " "), strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		})
	}
}

// pprofTop runs `go tool pprof -top ARGS` and returns its table's lines,
// skipping the test when the go tool is not on PATH.
func pprofTop(t *testing.T, args ...string) []string {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go not on PATH")
	}
	cmd := exec.Command("go", append([]string{"tool", "pprof", "-top"}, args...)...)
	cmd.Env = append(os.Environ(), "PPROF_TMPDIR="+t.TempDir())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go tool pprof -top %v: %v\n%s", args, err, out)
	}
	return tableLines(string(out))
}

// asSymbolized returns the pprof flag that reads p's names as they are. A
// profile of a cgo or -race binary (this test, under -race) has its
// binary's mapping unmarked as symbolized, so pprof, finding the binary
// still on disk, symbolizes it again from DWARF and demangles the race
// runtime's C++ names; Top reads the names the profile holds, as pprof
// does when the binary is gone.
func asSymbolized(p *profile.Profile) []string {
	if len(p.Mapping) > 0 && !p.Mapping[0].HasFunctions {
		return []string{"-symbolize=none"}
	}
	return nil
}

// tableLines are the lines after a listing's column header.
func tableLines(out string) []string {
	_, table, ok := strings.Cut(out, "flat  flat%   sum%        cum   cum%\n")
	if !ok || strings.TrimSpace(table) == "" {
		return nil
	}
	return strings.Split(strings.TrimRight(table, "\n"), "\n")
}

// selfProfiles captures this process's heap after some allocation, its
// goroutines, and its CPU while it computes something recursive, so that
// real profiles have allocations, recursion and inlining to agree on.
func selfProfiles(t *testing.T) map[string]*profile.Profile {
	t.Helper()
	retained = [][]byte{allocSmall(4 << 20), allocLarge(8 << 20)}
	runtime.GC() // the heap profile is as of the last GC
	stop := spin(2)
	defer stop()
	out := map[string]*profile.Profile{}
	for _, k := range []Kind{Heap, Goroutine, CPU} {
		body, err := captureSelf(t.Context(), k, 500*time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		if out[string(k)], err = profile.ParseData(body); err != nil {
			t.Fatal(err)
		}
	}
	retained = nil
	return out
}

var retained [][]byte

//go:noinline
func allocSmall(n int) []byte {
	var last []byte
	for range n / 1024 {
		last = make([]byte, 1024)
		retained = append(retained, last)
	}
	return last
}

//go:noinline
func allocLarge(n int) []byte { return make([]byte, n) }

// spin keeps goroutines computing fib, which recurses, until stopped.
func spin(goroutines int) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	for range goroutines {
		wg.Go(func() {
			n := 0
			defer func() { sink.Add(int64(n)) }()
			for {
				select {
				case <-done:
					return
				default:
					n += fib(20)
				}
			}
		})
	}
	return func() { close(done); wg.Wait() }
}

var sink atomic.Int64 // keeps fib's results alive

func fib(n int) int {
	if n < 2 {
		return n
	}
	return fib(n-1) + fib(n-2)
}
