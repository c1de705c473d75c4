package compare

import (
	"path/filepath"

	"github.com/strain-dev/strain/alert"
	"github.com/strain-dev/strain/report"
)

// Open checks that out can be written (Outputs.Check), reads the saved
// reports at paths, one or two (report.ReadFile: bounded), and judges the
// last again on gates (alert.Rejudge). It returns that report, whose
// verdict is strain report's, and what renders the outputs: one report's
// own, or the comparison of two, the second as the new.
func Open(paths, gates []string, out report.Outputs) (*report.Report, report.Renderers, error) {
	if err := out.Check(); err != nil {
		return nil, report.Renderers{}, err
	}
	reps := make([]*report.Report, len(paths))
	for i, path := range paths {
		var err error
		if reps[i], err = report.ReadFile(path); err != nil {
			return nil, report.Renderers{}, err
		}
		reps[i].Relocate(filepath.Dir(path)) // its profiles, moved with it
	}
	last := reps[len(reps)-1]
	parsed, err := alert.ParseGates(gates, alert.SavedCatalogue(last))
	if err != nil {
		return nil, report.Renderers{}, err
	}
	alert.Rejudge(last, parsed)
	if len(reps) == 1 {
		return last, last.Renderers(), nil
	}
	return last, Of(reps[0], last, paths[0], paths[1]).Renderers(), nil
}
