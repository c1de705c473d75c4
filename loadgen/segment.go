package loadgen

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Segment is one part of a load split over several processes (or pods):
// of the whole's requests, numbered from 0 in the order they are due, it
// sends those whose number is Index modulo Count. The segments of one
// whole add up to it exactly: every request is one segment's, and the
// open model's schedule is the whole's, each segment taking its turns.
// The zero value is the whole.
type Segment struct {
	Index, Count int
}

// ParseSegment reads "I/N": segment I (from 0) of N.
func ParseSegment(s string) (Segment, error) {
	i, n, ok := strings.Cut(strings.TrimSpace(s), "/")
	seg := Segment{}
	var err1, err2 error
	seg.Index, err1 = strconv.Atoi(i)
	seg.Count, err2 = strconv.Atoi(n)
	if !ok || err1 != nil || err2 != nil || seg.Count < 1 || seg.Index < 0 || seg.Index >= seg.Count || seg.Count > MaxSegments {
		return Segment{}, fmt.Errorf("segment %q: want I/N, segment I (from 0) of N, N from 1 to %d", s, MaxSegments)
	}
	return seg, nil
}

// MaxSegments bounds how many parts a load may be split into.
const MaxSegments = 10_000

// Whole says whether s is the whole load, unsplit.
func (s Segment) Whole() bool { return s.Count <= 1 }

// String writes s as ParseSegment reads it.
func (s Segment) String() string { return fmt.Sprintf("%d/%d", s.Index, s.Count) }

// Of is this segment's share of n whole things (requests, workers): how
// many of 0…n-1 are Index modulo Count. The shares of all the segments
// add up to n.
func (s Segment) Of(n int64) int64 {
	if s.Whole() {
		return n
	}
	if n <= int64(s.Index) {
		return 0
	}
	return (n-int64(s.Index)-1)/int64(s.Count) + 1
}

// Share is the fraction of the whole's rate this segment sends.
func (s Segment) Share() float64 {
	if s.Whole() {
		return 1
	}
	return 1 / float64(s.Count)
}

// nth is the whole's number of this segment's request k.
func (s Segment) nth(k int64) int64 {
	if s.Whole() {
		return k
	}
	return k*int64(s.Count) + int64(s.Index)
}

// Split is the config of segment seg of the load c describes: the
// closed model's workers and stage targets, and the bound on requests,
// are split with Of (a segment may get none: a stage of 2 workers over 3
// segments leaves the third idle); the open model keeps the whole's rate
// and stages, its schedule the whole's, and takes its turns in it. A
// segment with no worker at all, or no request, is an error.
func (c Config) Split(seg Segment) (Config, error) {
	if seg.Whole() {
		return c, nil
	}
	c.Segment = seg
	if c.Requests > 0 {
		if c.Requests = seg.Of(c.Requests); c.Requests == 0 {
			return c, fmt.Errorf("segment %s: -n leaves it no request", seg)
		}
	}
	if c.Open() {
		if c.Concurrency > 0 { // the cap on requests in flight
			c.Concurrency = max(1, int(seg.Of(int64(c.Concurrency))))
		}
		return c, nil
	}
	if c.Concurrency == 0 {
		c.Concurrency = DefaultConcurrency
	}
	c.Concurrency = int(seg.Of(int64(c.Concurrency)))
	stages := make([]Stage, len(c.Stages))
	most := c.Concurrency
	for i, st := range c.Stages {
		stages[i] = Stage{Duration: st.Duration, Target: float64(seg.Of(int64(math.Round(st.Target))))}
		most = max(most, int(stages[i].Target))
	}
	c.Stages = stages
	if most == 0 {
		return c, fmt.Errorf("segment %s: the concurrency leaves it no worker", seg)
	}
	return c, nil
}
