package loadgen

import (
	"sync"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// result is one finished request, as a worker hands it to the recorder.
type result struct {
	intended, sent, done time.Time
	status               int
	kind                 Kind
	bytesIn, bytesOut    int64
	messages             int64 // a gRPC call's response messages
}

// shardCounts is the hot-path form of Counts: arrays, not maps, so that
// recording allocates nothing.
type shardCounts struct {
	requests, errors, bytesIn, bytesOut int64
	messages                            int64
	status                              [600]int64
	kinds                               [numKinds]int64
	latency, uncorrected                *hdr.Histogram
	maxLatency, maxUncorr               time.Duration
}

func newShardCounts() *shardCounts {
	return &shardCounts{latency: newHistogram(), uncorrected: newHistogram()}
}

func (s *shardCounts) record(r *result) {
	s.requests++
	s.bytesIn += r.bytesIn
	s.bytesOut += r.bytesOut
	s.messages += r.messages
	if r.kind != KindNone {
		s.errors++
		s.kinds[r.kind]++
	}
	if r.status <= 0 {
		return
	}
	if r.status < len(s.status) {
		s.status[r.status]++
	}
	lat, uncorr := r.done.Sub(r.intended), r.done.Sub(r.sent)
	s.latency.RecordValue(min(int64(lat), histMax))
	s.uncorrected.RecordValue(min(int64(uncorr), histMax))
	s.maxLatency = max(s.maxLatency, lat)
	s.maxUncorr = max(s.maxUncorr, uncorr)
}

// addTo merges s into c and zeroes s for reuse.
func (s *shardCounts) addTo(c *Counts) {
	c.Requests += s.requests
	c.Errors += s.errors
	c.BytesIn += s.bytesIn
	c.BytesOut += s.bytesOut
	c.Messages += s.messages
	for code, n := range s.status {
		if n > 0 {
			c.Status[code] += n
		}
	}
	for k, n := range s.kinds {
		if n > 0 {
			c.Kinds[Kind(k).String()] += n
		}
	}
	c.Latency.Merge(s.latency)
	c.Uncorrected.Merge(s.uncorrected)
	c.MaxLatency = max(c.MaxLatency, s.maxLatency)
	c.MaxUncorr = max(c.MaxUncorr, s.maxUncorr)
	lat, unc := s.latency, s.uncorrected
	lat.Reset()
	unc.Reset()
	*s = shardCounts{latency: lat, uncorrected: unc}
}

// shard is one slot workers record into. Workers are spread over a few
// shards so that a record takes an uncontended lock; the collector takes
// each lock once per interval to swap the counts out.
type shard struct {
	mu         sync.Mutex // guards cur against the collector's swap
	cur, spare *shardCounts
	_          [40]byte // keep neighbouring shards' locks off one cache line
}

// recorder collects results from the workers into per-interval Counts.
type recorder struct {
	shards []*shard
}

func newRecorder(n int) *recorder {
	r := &recorder{shards: make([]*shard, max(n, 1))}
	for i := range r.shards {
		r.shards[i] = &shard{cur: newShardCounts(), spare: newShardCounts()}
	}
	return r
}

// record files one result in worker id's shard.
func (r *recorder) record(id int, res *result) {
	s := r.shards[id%len(r.shards)]
	s.mu.Lock()
	s.cur.record(res)
	s.mu.Unlock()
}

// collect takes everything recorded since the last collect. The merge runs
// outside the shard locks so workers wait only for a pointer swap.
func (r *recorder) collect() Counts {
	c := newCounts()
	for _, s := range r.shards {
		s.mu.Lock()
		full := s.cur
		s.cur, s.spare = s.spare, nil
		s.mu.Unlock()
		full.addTo(&c)
		s.spare = full // only the collector touches spare
	}
	return c
}
