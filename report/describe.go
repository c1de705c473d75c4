package report

import "github.com/strain-dev/strain/metric"

// Describe is the run in a line: how the load was applied, for how long,
// and when it started ("closed model, 10 concurrent for 10.0s, started
// 2026-12-07 07:00:00 UTC").
func (r *Report) Describe() string {
	return r.loadLine() + " for " + metric.FormatSeconds(r.DurationSeconds) + ", started " + r.Started.Format("2006-01-02 15:04:05 MST")
}
