package profiles

import (
	"testing"
	"time"
)

func TestAdmission(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	api := func(k Kind) slot { return slot{"api", k} }
	type step struct {
		at   time.Duration // since t0
		slot slot
		done bool // end the slot's capture (kept) instead of asking
		want string
	}
	tests := []struct {
		name  string
		cfg   Config
		steps []step
	}{
		{"one cpu capture in flight per target", Config{Cooldown: -1, MaxCaptures: -1, MaxBytes: -1}, []step{
			{0, api(CPU), false, ""},
			{time.Second, api(CPU), false, "cpu capture in flight"},
			{time.Second, slot{"db", CPU}, false, ""},
			{time.Second, api(Trace), false, ""},
			{time.Second, api(Trace), false, "trace capture in flight"},
			{time.Second, api(Heap), false, ""},
			{time.Second, api(Heap), false, ""}, // snapshots are not exclusive
			{2 * time.Second, api(CPU), true, ""},
			{2 * time.Second, api(CPU), false, ""},
		}},
		{"cooldown per target and kind", Config{Cooldown: 30 * time.Second, MaxCaptures: -1, MaxBytes: -1}, []step{
			{0, api(Heap), false, ""},
			{29 * time.Second, api(Heap), false, SkipCooldown},
			{29 * time.Second, api(Goroutine), false, ""},
			{29 * time.Second, slot{"db", Heap}, false, ""},
			{30 * time.Second, api(Heap), false, ""},
		}},
		{"count cap", Config{Cooldown: -1, MaxCaptures: 2, MaxBytes: -1}, []step{
			{0, api(Heap), false, ""},
			{0, api(Goroutine), false, ""},
			{0, api(Allocs), false, SkipCap},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newAdmission(tt.cfg)
			for i, s := range tt.steps {
				if s.done {
					a.done(s.slot, true)
					continue
				}
				if got := a.admit(s.slot, "", t0.Add(s.at)); got != s.want {
					t.Errorf("step %d: admit(%v) at +%v = %q, want %q", i, s.slot, s.at, got, s.want)
				}
			}
		})
	}
}

func TestAdmissionBytes(t *testing.T) {
	a := newAdmission(Config{Cooldown: -1, MaxCaptures: -1, MaxBytes: 100})
	if !a.reserve(60) || a.reserve(41) || !a.reserve(40) {
		t.Fatal("reserve: want 60 then 40 to fit under 100, and 41 after 60 not to")
	}
	if got := a.admit(slot{"api", Heap}, "", time.Time{}); got != SkipCap {
		t.Errorf("admit with the byte cap used up: got %q, want %q", got, SkipCap)
	}
	a.release(40)
	if got := a.admit(slot{"api", Heap}, "", time.Time{}); got != "" {
		t.Errorf("admit after a release: got %q, want admitted", got)
	}
}

func TestFailedCaptureGivesItsPlaceBack(t *testing.T) {
	a := newAdmission(Config{Cooldown: -1, MaxCaptures: 1, MaxBytes: -1})
	s := slot{"api", Heap}
	a.admit(s, "", time.Time{})
	a.done(s, false)
	if got := a.admit(s, "", time.Time{}); got != "" {
		t.Errorf("admit after a failed capture under a cap of 1: got %q, want admitted", got)
	}
}

// Two alerts asking for one kind are two questions (a stall's goroutines
// are not a leak's): the cooldown is per reason, the one CPU capture in
// flight per target is not.
func TestAdmissionCooldownPerReason(t *testing.T) {
	a := newAdmission(Config{Cooldown: 30 * time.Second, MaxCaptures: -1, MaxBytes: -1})
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	g, cpu := slot{"api", Goroutine}, slot{"api", CPU}
	for i, s := range []struct {
		slot         slot
		reason, want string
	}{
		{g, "leak", ""},
		{g, "leak", SkipCooldown},
		{g, "stall", ""},
		{cpu, "leak", ""},
		{cpu, "stall", "cpu capture in flight"},
	} {
		if got := a.admit(s.slot, s.reason, t0.Add(time.Second)); got != s.want {
			t.Errorf("step %d: admit(%v, %q) = %q, want %q", i, s.slot, s.reason, got, s.want)
		}
	}
}
