package loadgen

import (
	"math"
	"testing"
	"time"
)

func TestParseStages(t *testing.T) {
	tests := []struct {
		in      string
		want    []Stage
		wantErr bool
	}{
		{"10s:50", []Stage{{10 * time.Second, 50}}, false},
		{"1s:10, 2m:0.5", []Stage{{time.Second, 10}, {2 * time.Minute, 0.5}}, false},
		{"", nil, true},
		{"10s", nil, true},
		{"x:10", nil, true},
		{"0s:10", nil, true},
		{"10s:-1", nil, true},
		{"10s:abc", nil, true},
		{"10s:10,,", nil, true},
		{"2562047h:1,2562047h:1", nil, true}, // the total overflows
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseStages(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ParseStages(%q) error = %v, wantErr %v", tt.in, err, tt.wantErr)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("stage %d: got %v, want %v", i, got[i], tt.want[i])
				}
			}
		})
	}
}

func TestProfileAt(t *testing.T) {
	p := Profile{Start: 0, Stages: []Stage{{10 * time.Second, 100}, {10 * time.Second, 100}, {5 * time.Second, 0}}}
	tests := []struct {
		at   time.Duration
		want float64
	}{
		{0, 0},
		{5 * time.Second, 50},
		{10 * time.Second, 100},
		{15 * time.Second, 100},
		{22500 * time.Millisecond, 50},
		{25 * time.Second, 0},
		{time.Hour, 0},
	}
	for _, tt := range tests {
		if got := p.At(tt.at); math.Abs(got-tt.want) > 1e-9 {
			t.Errorf("At(%v) = %v, want %v", tt.at, got, tt.want)
		}
	}
	if got := p.End(); got != 25*time.Second {
		t.Errorf("End() = %v, want 25s", got)
	}
}

func TestProfileHits(t *testing.T) {
	tests := []struct {
		name string
		p    Profile
		at   time.Duration
		want float64
	}{
		{"constant", Profile{Start: 100}, 3 * time.Second, 300},
		{"ramp up half", Profile{Stages: []Stage{{10 * time.Second, 100}}}, 5 * time.Second, 125},
		{"ramp up whole", Profile{Stages: []Stage{{10 * time.Second, 100}}}, 10 * time.Second, 500},
		{"hold after ramp", Profile{Stages: []Stage{{10 * time.Second, 100}}}, 12 * time.Second, 700},
		{"ramp down", Profile{Start: 100, Stages: []Stage{{10 * time.Second, 0}}}, 10 * time.Second, 500},
		{"ramp down then zero", Profile{Start: 100, Stages: []Stage{{10 * time.Second, 0}}}, time.Hour, 500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.p.Hits(tt.at); math.Abs(got-tt.want) > 1e-6 {
				t.Errorf("Hits(%v) = %v, want %v", tt.at, got, tt.want)
			}
		})
	}
}

// HitTime must invert Hits everywhere, including across stage edges.
func TestProfileHitTimeInvertsHits(t *testing.T) {
	profiles := map[string]Profile{
		"constant":  {Start: 250},
		"ramp":      {Start: 10, Stages: []Stage{{3 * time.Second, 1000}}},
		"up-down":   {Stages: []Stage{{2 * time.Second, 500}, {time.Second, 500}, {2 * time.Second, 50}}},
		"tiny ramp": {Start: 100, Stages: []Stage{{time.Second, 100.0000001}}},
	}
	for name, p := range profiles {
		t.Run(name, func(t *testing.T) {
			for n := 0.0; n < 1500; n += 7 {
				at, ok := p.HitTime(n)
				if !ok {
					t.Fatalf("HitTime(%v) not ok", n)
				}
				if got := p.Hits(at); math.Abs(got-n) > 1e-3 {
					t.Fatalf("Hits(HitTime(%v)=%v) = %v", n, at, got)
				}
			}
		})
	}
}

func TestProfileHitTimeNeverWhenRateEndsAtZero(t *testing.T) {
	p := Profile{Start: 100, Stages: []Stage{{10 * time.Second, 0}}}
	if _, ok := p.HitTime(499); !ok {
		t.Errorf("HitTime(499) not ok, want ok: 500 hits fit in the ramp")
	}
	if at, ok := p.HitTime(501); ok {
		t.Errorf("HitTime(501) = %v, want never", at)
	}
	if _, ok := (Profile{}).HitTime(0); !ok {
		t.Errorf("zero profile: the first hit is due at once")
	}
}
