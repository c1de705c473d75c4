package flame

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/pprof/profile"
)

// fib recurses, so the CPU profile has a function on its own stack many
// times over: a frame counts once per sample in its cum.
func fib(n int) int {
	if n < 2 {
		return n
	}
	return fib(n-1) + fib(n-2)
}

//go:noinline
func churn(n int) [][]byte {
	var out [][]byte
	for i := range n {
		out = append(out, make([]byte, 1024+i%4096))
	}
	return out
}

var sink int
var retained [][]byte

// contend has goroutines wait on a lock and a channel, with the mutex and
// block profiles on, so both have samples.
func contend() {
	defer runtime.SetMutexProfileFraction(runtime.SetMutexProfileFraction(1))
	runtime.SetBlockProfileRate(1)
	defer runtime.SetBlockProfileRate(0)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20 {
				mu.Lock()
				time.Sleep(100 * time.Microsecond) // held, so the others wait
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
}

// selfProfiles are this process's CPU while it recurses and allocates,
// its heap, its goroutines, and its mutex and block profiles after some
// contention: real profiles of a real Go process.
func selfProfiles(t *testing.T) map[string]string {
	t.Helper()
	dir := t.TempDir()
	out := map[string]string{}
	cpu := filepath.Join(dir, "cpu.pb.gz")
	f, err := os.Create(cpu)
	if err != nil {
		t.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		t.Skipf("cannot profile the CPU here: %v", err)
	}
	for start := time.Now(); time.Since(start) < 400*time.Millisecond; {
		sink += fib(18)
		retained = churn(200)
	}
	pprof.StopCPUProfile()
	f.Close()
	out["cpu"] = cpu
	retained = churn(8000) // some 16 MB live: the heap profile samples every 512 KiB
	release := make(chan struct{})
	defer close(release)
	for range 10 {
		go func() { <-release }()
	}
	contend()
	runtime.GC()
	for _, k := range []string{"heap", "goroutine", "mutex", "block"} {
		path := filepath.Join(dir, k+".pb.gz")
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := pprof.Lookup(k).WriteTo(f, 0); err != nil {
			t.Fatal(err)
		}
		f.Close()
		out[k] = path
	}
	return out
}

// pprofTop is `go tool pprof -top` of path, every function, in the
// profile's base unit: each function's flat and cum, and the total.
func pprofTop(t *testing.T, path string, p *profile.Profile) (map[string][2]int64, int64) {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go not on PATH")
	}
	unit := map[string]string{"nanoseconds": "-unit=ns", "bytes": "-unit=b"}[p.SampleType[len(p.SampleType)-1].Unit]
	args := []string{"tool", "pprof", "-top", "-nodefraction=0", "-nodecount=0"}
	if unit != "" {
		args = append(args, unit)
	}
	if len(p.Mapping) > 0 && !p.Mapping[0].HasFunctions {
		args = append(args, "-symbolize=none") // as the profile names them; see profiles' top test
	}
	cmd := exec.Command("go", append(args, path)...)
	cmd.Env = append(os.Environ(), "PPROF_TMPDIR="+t.TempDir())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go %v: %v\n%s", args, err, out)
	}
	head, table, ok := strings.Cut(string(out), "flat  flat%   sum%        cum   cum%\n")
	if !ok {
		t.Fatalf("no table in pprof's output:\n%s", out)
	}
	_, totalText, _ := strings.Cut(head, "% of ")
	total := number(t, strings.Fields(totalText)[0])
	rows := map[string][2]int64{}
	for _, line := range strings.Split(strings.TrimSpace(table), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		f := strings.Fields(line)
		name := strings.TrimSuffix(strings.TrimSuffix(strings.Join(f[5:], " "), " (inline)"), " (partial-inline)")
		rows[name] = [2]int64{number(t, f[0]), number(t, f[3])}
	}
	return rows, total
}

func number(t *testing.T, s string) int64 {
	t.Helper()
	v, err := strconv.ParseInt(strings.TrimRight(s, "nsB"), 10, 64)
	if err != nil {
		t.Fatalf("pprof's value %q: %v", s, err)
	}
	return v
}

// functions are each function's flat and cum read off the tree: flat the
// frames' own share, cum the frames not below another of the function.
func functions(g *Graph) map[string][2]int64 {
	out := map[string][2]int64{}
	var visit func(n *Node, above map[string]bool)
	visit = func(n *Node, above map[string]bool) {
		r := out[n.Name]
		r[0] += n.Self()
		if !above[n.Name] {
			r[1] += n.Value
		}
		out[n.Name] = r
		was := above[n.Name]
		above[n.Name] = true
		for _, c := range n.Children {
			visit(c, above)
		}
		above[n.Name] = was
	}
	for _, c := range g.Root.Children {
		visit(c, map[string]bool{})
	}
	return out
}

func TestTreeAgreesWithPprof(t *testing.T) {
	for kind, path := range selfProfiles(t) {
		t.Run(kind, func(t *testing.T) {
			p, err := read(path)
			if err != nil {
				t.Fatal(err)
			}
			g, err := Build(p)
			if err != nil {
				t.Fatal(err)
			}
			var own int64 // the profile's own total of its default sample type
			idx, _ := p.SampleIndexByName("")
			for _, s := range p.Sample {
				own += s.Value[idx]
			}
			rows, total := pprofTop(t, path, p)
			if g.Root.Value != own || g.Root.Value != total {
				t.Errorf("root %d, want the profile's total %d and pprof's %d", g.Root.Value, own, total)
			}
			if total == 0 {
				t.Fatalf("the %s profile is empty: nothing to compare", kind)
			}
			t.Logf("%d functions, total %d %s", len(rows), total, g.Unit)
			got := functions(g)
			for name, want := range rows {
				if got[name] != want {
					t.Errorf("%s: flat, cum %v from the tree, pprof says %v", name, got[name], want)
				}
			}
			if len(got) != len(rows) {
				t.Errorf("%d functions in the tree, pprof lists %d", len(got), len(rows))
			}
		})
	}
}
