package profiles

import (
	"bytes"
	"strings"
	"testing"
)

var (
	parked  = []string{"runtime.gopark", "runtime.chanrecv1", "app.worker", "runtime.goexit"}
	serving = []string{"runtime.gopark", "runtime.netpollblock", "net/http.(*conn).serve", "runtime.goexit"}
	ticking = []string{"runtime.gopark", "time.Sleep", "app.tick", "runtime.goexit"}
)

func TestStacksGroupsByStack(t *testing.T) {
	p := goroutines(sample{3, parked}, sample{2, serving}, sample{4, parked}, sample{1, ticking})
	stacks, err := Stacks(p)
	if err != nil {
		t.Fatal(err)
	}
	type group struct {
		where string
		count int64
	}
	var got []group
	for _, s := range stacks {
		got = append(got, group{Where(s.Frames), s.Count})
	}
	want := []group{{"app.worker", 7}, {"net/http.(*conn).serve", 2}, {"time.Sleep", 1}}
	if len(got) != len(want) {
		t.Fatalf("Stacks: got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("Stacks[%d]: got %v, want %v", i, got[i], want[i])
		}
	}
}

func TestCompareShowsWhatGrew(t *testing.T) {
	base := goroutines(sample{10, parked}, sample{2, serving}, sample{1, ticking})
	newer := goroutines(sample{510, parked}, sample{1, serving}, sample{1, ticking})
	l, err := Compare(base, newer)
	if err != nil {
		t.Fatal(err)
	}
	if l.Base != 13 || l.New != 512 {
		t.Errorf("totals: got %d → %d, want 13 → 512", l.Base, l.New)
	}
	var got []string
	for _, g := range l.Stacks {
		got = append(got, Where(g.Frames)+" "+itoa64(g.Delta()))
	}
	want := "app.worker 500,net/http.(*conn).serve -1" // ticking did not change
	if strings.Join(got, ",") != want {
		t.Errorf("Compare: got %v, want %s", got, want)
	}
	var buf bytes.Buffer
	if err := l.Render(&buf); err != nil {
		t.Fatal(err)
	}
	if out := buf.String(); !strings.Contains(out, "goroutines 13 → 512 (+499)") || !strings.Contains(out, "    +500  app.worker  (10 → 510)") {
		t.Errorf("Render:\n%s", out)
	}
}

func TestLeakViewNeedsGoroutineProfiles(t *testing.T) {
	if _, err := Stacks(recursive); err == nil || !strings.Contains(err.Error(), "not a goroutine profile") {
		t.Errorf("Stacks of a CPU profile: got %v, want not a goroutine profile", err)
	}
	if _, err := Compare(goroutines(), recursive); err == nil {
		t.Error("Compare with a CPU profile: got no error")
	}
}
