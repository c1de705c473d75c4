package compare

import (
	"io"

	"github.com/strain-dev/strain/alert"
	"github.com/strain-dev/strain/report"
)

// Rendering is what strain report writes: one report's own outputs, or a
// comparison's, and the report whose verdict decides the exit code.
type Rendering struct {
	Verdict   *report.Report
	Renderers report.Renderers
	Text      func(io.Writer) error
}

// Open reads the saved reports at paths, one or two (report.ReadFile:
// bounded), and judges the last again on gates (alert.Rejudge): one is
// rendered as it was, two compared, the second as the new.
func Open(paths, gates []string) (*Rendering, error) {
	reps := make([]*report.Report, len(paths))
	for i, path := range paths {
		var err error
		if reps[i], err = report.ReadFile(path); err != nil {
			return nil, err
		}
	}
	last := reps[len(reps)-1]
	parsed, err := alert.ParseGates(gates, alert.SavedCatalogue(last))
	if err != nil {
		return nil, err
	}
	alert.Rejudge(last, parsed)
	if len(reps) == 1 {
		return &Rendering{Verdict: last, Renderers: last.Renderers(), Text: last.WriteText}, nil
	}
	c := Of(reps[0], last, paths[0], paths[1])
	return &Rendering{Verdict: last, Renderers: c.Renderers(), Text: c.WriteText}, nil
}
