package report

import (
	"io"

	"github.com/strain-dev/strain/metric"
)

// Describe is the run in a line: how the load was applied, for how long,
// and when it started ("closed model, 10 concurrent for 10.0s, started
// 2026-12-07 07:00:00 UTC").
func (r *Report) Describe() string {
	return r.loadLine() + " for " + metric.FormatSeconds(r.DurationSeconds) + ", started " + r.Started.Format("2006-01-02 15:04:05 MST")
}

// WriteGates writes r's gates as the text summary lists them, for a page
// that shows a report's verdict beside other things (a comparison).
func (r *Report) WriteGates(w io.Writer) error {
	t := &textWriter{w: w}
	r.writeGates(t)
	return t.err
}

// WriteGatesMarkdown writes r's gates as the Markdown summary's table.
func (r *Report) WriteGatesMarkdown(w io.Writer) error {
	t := &textWriter{w: w}
	r.markdownGates(t)
	return t.err
}
