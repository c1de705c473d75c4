package loadgen

import (
	"fmt"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// EncodeHistogram writes h in HdrHistogram's compressed encoding (V2,
// base64), which any HdrHistogram library reads back; "" for an empty one.
func EncodeHistogram(h *hdr.Histogram) (string, error) {
	if h == nil || h.TotalCount() == 0 {
		return "", nil
	}
	b, err := h.Encode(hdr.V2CompressedEncodingCookieBase)
	if err != nil {
		return "", fmt.Errorf("encode histogram: %w", err)
	}
	return string(b), nil
}

// maxEncoded bounds an encoded histogram read back: strain's own (1 µs
// to 1 h at 3 digits) takes a few kilobytes at most.
const maxEncoded = 1 << 20

// DecodeHistogram reads a histogram EncodeHistogram wrote, into strain's
// own range (1 µs to 1 h at 3 digits) so that histograms from anywhere
// merge exactly; "" is an empty one. What a file says is bounded: its
// length, and values outside the range, which are refused.
func DecodeHistogram(s string) (*hdr.Histogram, error) {
	out := newHistogram()
	if s == "" {
		return out, nil
	}
	if len(s) > maxEncoded {
		return nil, fmt.Errorf("histogram: %d bytes encoded, at most %d", len(s), maxEncoded)
	}
	h, err := hdr.Decode([]byte(s))
	if err != nil {
		return nil, fmt.Errorf("histogram: %w", err)
	}
	if dropped := out.Merge(h); dropped > 0 {
		return nil, fmt.Errorf("histogram: %d values outside 1µs–1h", dropped)
	}
	return out, nil
}

// HistogramMetrics puts prefix.p50…p999, .max and .mean (seconds) of h in
// m, as a run's summary names them; exactMax, when larger than zero,
// bounds them (a histogram's value is its bucket's top). Nothing when h
// is empty.
func HistogramMetrics(m map[string]float64, prefix string, h *hdr.Histogram, exactMax time.Duration) {
	if exactMax <= 0 {
		exactMax = time.Duration(h.Max())
	}
	latencyMetrics(m, prefix, h, exactMax)
}
