package vitals

// Bucket counts the values in [Lo, Hi).
type Bucket struct {
	Lo float64 `json:"lo"`
	Hi float64 `json:"hi"`
	N  uint64  `json:"n"`
}

// Histogram is a histogram's non-empty buckets, in increasing order.
type Histogram struct {
	Buckets []Bucket `json:"buckets"`
}

// Count is the number of values in h.
func (h Histogram) Count() uint64 {
	var n uint64
	for _, b := range h.Buckets {
		n += b.N
	}
	return n
}

// Sub is what was added to the cumulative histogram prev to make h: the
// values of the interval between two readings. A bucket that shrank (the
// process restarted) counts from zero.
func (h Histogram) Sub(prev Histogram) Histogram {
	before := make(map[float64]uint64, len(prev.Buckets))
	for _, b := range prev.Buckets {
		before[b.Lo] = b.N
	}
	var out Histogram
	for _, b := range h.Buckets {
		n := b.N
		if p := before[b.Lo]; p <= n {
			n -= p
		}
		if n > 0 {
			out.Buckets = append(out.Buckets, Bucket{Lo: b.Lo, Hi: b.Hi, N: n})
		}
	}
	return out
}

// Quantile estimates the q-quantile (0 ≤ q ≤ 1) by interpolating linearly
// within the bucket that holds it, as Prometheus' histogram_quantile does.
// ok is false for an empty histogram.
func (h Histogram) Quantile(q float64) (v float64, ok bool) {
	total := h.Count()
	if total == 0 {
		return 0, false
	}
	rank := min(max(q, 0), 1) * float64(total)
	var below float64
	for _, b := range h.Buckets {
		if below+float64(b.N) >= rank {
			return b.Lo + (b.Hi-b.Lo)*max(rank-below, 0)/float64(b.N), true
		}
		below += float64(b.N)
	}
	return h.Buckets[len(h.Buckets)-1].Hi, true
}

// BucketOf is the bucket that holds the q-quantile: how far Quantile's
// interpolation can be from the truth. ok is false for an empty histogram.
func (h Histogram) BucketOf(q float64) (b Bucket, ok bool) {
	total := h.Count()
	if total == 0 {
		return Bucket{}, false
	}
	rank := min(max(q, 0), 1) * float64(total)
	var below float64
	for _, b := range h.Buckets {
		if below+float64(b.N) >= rank {
			return b, true
		}
		below += float64(b.N)
	}
	return h.Buckets[len(h.Buckets)-1], true
}

// Max is the upper edge of the highest non-empty bucket: no value in h is
// above it.
func (h Histogram) Max() (v float64, ok bool) {
	if len(h.Buckets) == 0 {
		return 0, false
	}
	return h.Buckets[len(h.Buckets)-1].Hi, true
}
