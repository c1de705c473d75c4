package loadgen

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Stage ramps the load level (concurrency or rate) linearly from the level
// at the end of the previous stage to Target over Duration.
type Stage struct {
	Duration time.Duration `json:"duration"`
	Target   float64       `json:"target"`
}

// ParseStages parses 'D:T,D:T,...', e.g. "10s:50,30s:50,5s:0".
func ParseStages(s string) ([]Stage, error) {
	if strings.TrimSpace(s) == "" {
		return nil, fmt.Errorf("empty stages")
	}
	var stages []Stage
	var total time.Duration
	for i, part := range strings.Split(s, ",") {
		d, t, ok := strings.Cut(strings.TrimSpace(part), ":")
		if !ok {
			return nil, fmt.Errorf("stage %d %q: want DURATION:TARGET", i+1, part)
		}
		dur, err := time.ParseDuration(d)
		if err != nil || dur <= 0 {
			return nil, fmt.Errorf("stage %d %q: duration %q is not a positive duration", i+1, part, d)
		}
		target, err := strconv.ParseFloat(t, 64)
		if err != nil || target < 0 || math.IsInf(target, 0) || math.IsNaN(target) {
			return nil, fmt.Errorf("stage %d %q: target %q is not a number ≥ 0", i+1, part, t)
		}
		if total += dur; total < dur {
			return nil, fmt.Errorf("stage %d %q: the stages last longer than %v", i+1, part, time.Duration(math.MaxInt64))
		}
		stages = append(stages, Stage{Duration: dur, Target: target})
	}
	return stages, nil
}

// Profile is the load level over time: Start, then each stage in turn, then
// the last stage's target held. Its methods are pure functions of elapsed
// time, so pacing and ramping are tested without sleeping.
type Profile struct {
	Start  float64
	Stages []Stage
}

// End is when the last stage ends.
func (p Profile) End() time.Duration {
	var d time.Duration
	for _, s := range p.Stages {
		d += s.Duration
	}
	return d
}

// At is the level at elapsed time t.
func (p Profile) At(t time.Duration) float64 {
	from := p.Start
	for _, s := range p.Stages {
		if t < s.Duration {
			return from + (s.Target-from)*float64(t)/float64(s.Duration)
		}
		t -= s.Duration
		from = s.Target
	}
	return from
}

// Hits is the integral of the level (read as a rate per second) from 0 to t:
// how many requests an open model has scheduled by then.
func (p Profile) Hits(t time.Duration) float64 {
	from, hits := p.Start, 0.0
	for _, s := range p.Stages {
		span := min(t, s.Duration)
		secs, total := span.Seconds(), s.Duration.Seconds()
		hits += from*secs + (s.Target-from)*secs*secs/(2*total)
		if t <= s.Duration {
			return hits
		}
		t -= s.Duration
		from = s.Target
	}
	return hits + from*t.Seconds()
}

// HitTime is the elapsed time at which Hits reaches n, the intended start of
// the request numbered n (counting from 0). ok is false when the level falls
// to zero for good before then.
func (p Profile) HitTime(n float64) (t time.Duration, ok bool) {
	from, base := p.Start, time.Duration(0)
	for _, s := range p.Stages {
		stageHits := (from + s.Target) / 2 * s.Duration.Seconds()
		if n <= stageHits {
			return base + solveRamp(from, s.Target, s.Duration.Seconds(), n), true
		}
		n -= stageHits
		base += s.Duration
		from = s.Target
	}
	if from <= 0 {
		return 0, n <= 0
	}
	return base + seconds(n/from), true
}

// solveRamp finds τ in [0, d] with a·τ + (b−a)·τ²/(2d) = n.
func solveRamp(a, b, d, n float64) time.Duration {
	if n <= 0 {
		return 0
	}
	k := (b - a) / d
	if math.Abs(k) < 1e-12 {
		return seconds(n / a)
	}
	disc := max(a*a+2*k*n, 0)
	// The numerically stable root: 2n/(a+√disc) equals (−a+√disc)/k but does
	// not lose precision when k is tiny.
	return seconds(min(2*n/(a+math.Sqrt(disc)), d))
}

func seconds(s float64) time.Duration {
	return time.Duration(s * float64(time.Second))
}
