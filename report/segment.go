package report

// Segment is which part of a split load a run was, and what merging its
// report with the others' needs beyond the counts.
type Segment struct {
	Index int `json:"index"` // from 0
	Count int `json:"count"`
	Histograms
}

// Histograms are latency histograms: HdrHistogram's compressed encoding
// (V2, base64), which any HdrHistogram library reads; nanoseconds.
type Histograms struct {
	Latency            string `json:"latency,omitempty"`
	LatencyUncorrected string `json:"latency_uncorrected,omitempty"`
}

// Merged is which segments a merged report was made of.
type Merged struct {
	Count    int   `json:"count"`    // the segments the load was split into
	Segments []int `json:"segments"` // those merged, by index
	Missing  []int `json:"missing,omitempty"`
	// Partial marks a report merged without every segment
	// (--allow-partial): its counts are those of the segments present.
	Partial bool `json:"partial,omitempty"`
}
