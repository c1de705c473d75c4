package loadgen

import "time"

// Result is a whole run: its total counts and how it was run.
type Result struct {
	Window      // the whole run's counts; Start is 0 and End the run's length
	Started     time.Time
	Interrupted bool // the run was cut short by its context
	Open        bool // the open model
	Concurrency int  // workers (closed) or the cap on requests in flight (open)
	Rate        float64
	Stages      []Stage
	Unfinished  int64 // requests in flight when the run ended, counted nowhere else
}

// Duration is the run's length.
func (r *Result) Duration() time.Duration { return r.End }

// Metrics names the whole run's figures with PRODUCT.md's metric names.
func (r *Result) Metrics() map[string]float64 {
	m := r.Window.Metrics(r.Open)
	delete(m, "inflight") // moments, not totals: the series summarise them
	delete(m, "oldest_inflight")
	m["unfinished"] = float64(r.Unfinished)
	return m
}
