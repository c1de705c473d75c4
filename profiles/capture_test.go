package profiles

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/strain-dev/strain/target"
)

const burnCPU = "github.com/strain-dev/strain/target.burnCPU"

func TestCPUCaptureUnderLoadTopsBurnCPU(t *testing.T) {
	base := demo(t, target.Options{})
	c := open(t, Config{})
	stop := load(base+"/cpu?ms=20", 3)
	cp := one(t, c, Request{Target: "api", URL: base, Kinds: []Kind{CPU}, Duration: time.Second, Reason: "test"})
	stop()
	mustWrite(t, cp)
	tab, err := Top(read(t, cp.Path), "", 5, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(tab.Rows) == 0 || tab.Rows[0].Name != burnCPU {
		t.Fatalf("top of a CPU profile under /cpu load: got %v, want %s first", tab.Rows, burnCPU)
	}
	t.Logf("%s: flat %.1f%%, cum %.1f%% of %s", burnCPU, tab.Rows[0].FlatPct, tab.Rows[0].CumPct, time.Duration(tab.Total))
}

func TestGoroutineCapturesFindTheLeak(t *testing.T) {
	base := demo(t, target.Options{})
	c := open(t, Config{Cooldown: -1})
	req := Request{Target: "api", URL: base + "/debug/pprof/", Kinds: []Kind{Goroutine}, Reason: "before"}
	before := mustWrite(t, one(t, c, req))
	get(t, base+"/leak?n=500")
	req.Reason = "after"
	// A goroutine that has not started running yet has no stack in the
	// profile, so capture until the 500 have all reached their channel.
	var after Capture
	var stacks []Stack
	for deadline := time.Now().Add(testTimeout); ; time.Sleep(10 * time.Millisecond) {
		after = mustWrite(t, one(t, c, req))
		var err error
		if stacks, err = Stacks(read(t, after.Path)); err != nil {
			t.Fatal(err)
		}
		if leaked(stacks) >= 500 || time.Now().After(deadline) {
			break
		}
	}
	if len(stacks) == 0 || !strings.HasSuffix(Where(stacks[0].Frames), "target.leakedWorker") || stacks[0].Count < 500 {
		var buf bytes.Buffer
		RenderStacks(stacks, 0)(&buf)
		t.Fatalf("after /leak?n=500: want leakedWorker's stack first, with at least 500 goroutines; got\n%s", &buf)
	}
	leak, err := Compare(read(t, before.Path), read(t, after.Path))
	if err != nil {
		t.Fatal(err)
	}
	if g := leak.Stacks[0]; !strings.HasSuffix(Where(g.Frames), "target.leakedWorker") || g.Delta() != 500 {
		t.Errorf("most grown stack: got %s %+d, want leakedWorker +500", Where(g.Frames), g.Delta())
	}
}

// leaked counts the goroutines waiting in the demo target's leakedWorker.
func leaked(stacks []Stack) int64 {
	for _, s := range stacks {
		if strings.HasSuffix(Where(s.Frames), "target.leakedWorker") {
			return s.Count
		}
	}
	return 0
}

func TestSecondCPUCaptureOfATargetIsInFlight(t *testing.T) {
	base := demo(t, target.Options{})
	c := open(t, Config{Cooldown: -1})
	req := Request{Target: "api", URL: base, Kinds: []Kind{CPU}, Duration: time.Second}
	for range 2 {
		if err := c.Capture(t.Context(), req); err != nil {
			t.Fatal(err)
		}
	}
	var skipped, written int
	for _, cp := range results(t, c, 2) {
		switch {
		case cp.Skipped == "cpu capture in flight":
			skipped++
		case cp.Written():
			written++
		default:
			t.Errorf("CPU capture: got %s, want one written and one %q", outcome(cp), "cpu capture in flight")
		}
	}
	if skipped != 1 || written != 1 {
		t.Errorf("two CPU captures at once: %d written, %d skipped as in flight; want 1 and 1", written, skipped)
	}
	// Once the first is done, the target may be profiled again.
	mustWrite(t, one(t, c, req))
}

func TestCooldownAndCaps(t *testing.T) {
	base := demo(t, target.Options{})
	heap := Request{Target: "api", URL: base, Kinds: []Kind{Heap}}
	tests := []struct {
		name string
		cfg  Config
		reqs []Request
		want []string // each outcome: "written" or why it was skipped
	}{
		{"cooldown per target and kind", Config{Cooldown: time.Hour},
			[]Request{heap, heap, {Target: "api", URL: base, Kinds: []Kind{Goroutine}}, {Kinds: []Kind{Heap}}},
			[]string{"written", SkipCooldown, "written", "written"}},
		{"a target by two names is one target", Config{Cooldown: time.Hour},
			[]Request{heap, {Target: "alias", URL: base + "/debug/pprof/", Kinds: []Kind{Heap}}},
			[]string{"written", SkipCooldown}},
		{"no cooldown", Config{Cooldown: -1}, []Request{heap, heap}, []string{"written", "written"}},
		{"count cap", Config{Cooldown: -1, MaxCaptures: 2}, []Request{heap, heap, heap}, []string{"written", "written", SkipCap}},
		{"byte cap", Config{MaxBytes: 64}, []Request{heap}, []string{SkipCap}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := open(t, tt.cfg)
			for i, req := range tt.reqs {
				cp := one(t, c, req)
				if got := outcome(cp); got != tt.want[i] {
					t.Errorf("request %d (%s %s): got %s, want %s", i, req.Target, req.Kinds[0], got, tt.want[i])
				}
			}
			if n := len(c.Captures()); n != count(tt.want, "written") {
				t.Errorf("Captures: got %d, want %d", n, count(tt.want, "written"))
			}
			for _, f := range files(t, c.Dir()) {
				if strings.HasPrefix(f, ".") {
					t.Errorf("left behind %s", f)
				}
			}
		})
	}
}

func outcome(cp Capture) string {
	switch {
	case cp.Err != nil:
		return "error: " + cp.Err.Error()
	case cp.Skipped != "":
		return cp.Skipped
	}
	return "written"
}

func count(s []string, v string) int {
	n := 0
	for _, x := range s {
		if x == v {
			n++
		}
	}
	return n
}
