package flame

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"testing"

	"github.com/google/pprof/profile"
	"github.com/strain-dev/strain/internal/pproftest"
)

// synthetic is a CPU profile of stacks (root first, by name) each with
// its value.
func synthetic(stacks map[string]int64) *profile.Profile {
	return pproftest.Profile("cpu", "nanoseconds", stacks)
}

func TestTrim(t *testing.T) {
	stacks := map[string]int64{"main;wide": 1000, "main;tiny": 1, "main;mid;culprit": 40}
	deep := "main"
	for i := range 100 {
		deep += fmt.Sprintf(";d%d", i)
	}
	stacks[deep] = 500
	for i := range 2000 { // a fan-out of frames each at 1%
		stacks[fmt.Sprintf("main;fan;f%d", i)] = 20
	}
	g, err := Build(synthetic(stacks))
	if err != nil {
		t.Fatal(err)
	}
	root, before := g.Root.Value, g.Frames()
	g.Trim(Limits{MaxFrames: 50}, func(name string) bool { return name == "culprit" })
	if g.Root.Value != root {
		t.Errorf("root %d after Trim, want %d: trimming keeps the total", g.Root.Value, root)
	}
	if n := g.Frames(); n > 50 || g.Trimmed != before-n {
		t.Errorf("%d frames (%d trimmed of %d), want at most 50, the rest counted", n, g.Trimmed, before)
	}
	depth, names := 0, map[string]bool{}
	walk(g.Root, 0, func(n *Node, d int) bool { depth = max(depth, d); names[n.Name] = true; return true })
	if depth > DefaultMaxDepth {
		t.Errorf("depth %d, want at most %d", depth, DefaultMaxDepth)
	}
	if !names["culprit"] || !names["mid"] {
		t.Error("the culprit's frame (and its caller) was cut: it must be kept")
	}
	if names["tiny"] {
		t.Error("a frame of under 0.5% was kept")
	}
	if !names["wide"] {
		t.Error("the widest frame was cut")
	}
}

func TestGrew(t *testing.T) {
	dump := func(name string) string {
		path := filepath.Join(t.TempDir(), name)
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if err := pprof.Lookup("goroutine").WriteTo(f, 0); err != nil {
			t.Fatal(err)
		}
		return path
	}
	base := dump("base.pb.gz")
	release := make(chan struct{})
	defer close(release)
	const leaked = 25
	started := make(chan struct{})
	for range leaked {
		go leakedWorker(started, release)
	}
	for range leaked { // each in leakedWorker: a goroutine not yet run has no stack
		<-started
	}
	g, err := LoadGrew(base, dump("new.pb.gz"))
	if err != nil {
		t.Fatal(err)
	}
	// Other goroutines (other tests', the runtime's) may come and go
	// between the dumps: only the leaked stack's count is known.
	if g.New < leaked {
		t.Fatalf("goroutines %d → %d, want %d at least in the newer dump", g.Base, g.New, leaked)
	}
	// The leaked stack gained exactly 25; the tree holds it under its
	// function, with what else grew (the test's own goroutines) beside it.
	var at int64
	walk(g.Root, 0, func(n *Node, _ int) bool {
		if strings.HasSuffix(n.Name, "flame.leakedWorker") {
			at += n.Value
		}
		return true
	})
	if at != leaked {
		t.Errorf("leakedWorker's frames hold %d, want %d", at, leaked)
	}
	if len(g.Groups) == 0 || !strings.HasSuffix(g.Groups[0].Where, "flame.leakedWorker") || g.Groups[0].New-g.Groups[0].Base != leaked {
		t.Errorf("first group %+v, want leakedWorker +%d", g.Groups, leaked)
	}
	if g.Root.Value < leaked || g.Root.Value > g.New {
		t.Errorf("root %d, want the stacks' gains, %d at least", g.Root.Value, leaked)
	}
}

//go:noinline
func leakedWorker(started, release chan struct{}) {
	started <- struct{}{}
	<-release
}

func TestLoadRefuses(t *testing.T) {
	dir := t.TempDir()
	junk := filepath.Join(dir, "junk.pb.gz")
	if err := os.WriteFile(junk, []byte("\x1f\x8bnot a profile"), 0o644); err != nil {
		t.Fatal(err)
	}
	for name, path := range map[string]string{"corrupt": junk, "missing": filepath.Join(dir, "none"), "a directory": dir, "a device": os.DevNull} {
		if _, err := Load(path); err == nil {
			t.Errorf("Load of %s: want an error", name)
		}
	}
}

// A dump of an event loop's tasks (its frames are Python's) counts tasks;
// a Go dump, goroutines; either lists its stacks grouped, largest first.
func TestDumpUnits(t *testing.T) {
	for _, tt := range []struct{ file, want string }{{"/srv/app/server.py", "tasks"}, {"/srv/app/main.go", "goroutines"}} {
		p := pproftest.Profile("goroutine", "count", map[string]int64{"main;serve;wait": 7, "main;idle": 2})
		for _, f := range p.Function {
			f.Filename = tt.file
		}
		g, err := Build(p)
		if err != nil {
			t.Fatal(err)
		}
		if g.Units != tt.want || len(g.Groups) != 2 || g.Groups[0].New != 7 || g.Groups[0].Where != "wait" {
			t.Errorf("%s: units %q, groups %+v; want %s, wait ×7 first", tt.file, g.Units, g.Groups, tt.want)
		}
	}
}

// A hostile profile's tree is bounded as it is built: a stack past
// maxStack calls, and frames past maxNodes, are cut short, their value
// kept by the last frame kept, so the root still holds the total.
func TestBuildBounds(t *testing.T) {
	deep := make([]string, 2*maxStack)
	for i := range deep {
		deep[i] = fmt.Sprintf("d%d", i)
	}
	stacks := map[string]int64{strings.Join(deep, ";"): 5}
	for i := range maxNodes + 100 {
		stacks[fmt.Sprintf("wide;w%d", i)] = 1
	}
	g, err := Build(synthetic(stacks))
	if err != nil {
		t.Fatal(err)
	}
	if want := int64(5 + maxNodes + 100); g.Root.Value != want {
		t.Errorf("root %d, want the total %d", g.Root.Value, want)
	}
	if n := g.Frames(); n > maxNodes {
		t.Errorf("%d frames, want at most %d", n, maxNodes)
	}
	depth := 0
	walk(g.Root, 0, func(_ *Node, d int) bool { depth = max(depth, d); return true })
	if depth != maxStack || g.Cut < 100 {
		t.Errorf("depth %d, %d stacks cut; want %d deep and the wide ones past the bound cut", depth, g.Cut, maxStack)
	}
}
