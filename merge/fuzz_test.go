package merge

import (
	"bytes"
	"testing"

	"github.com/strain-dev/strain/report"
)

// FuzzMergeSegments merges a segment's report, read from any bytes, with
// a real one of the same load: whatever the file holds, merging it is an
// error or a report that encodes, never a panic.
func FuzzMergeSegments(f *testing.F) {
	reps, _ := segments(f, 2, 200, 4)
	reps[0].Findings = []report.Finding{{Kind: report.Leak, Severity: report.Warning, Target: "api", Start: 1, End: 3, Evidence: []report.Evidence{}}}
	reps[0].CountFindings()
	var seed, other bytes.Buffer
	if err := reps[0].WriteJSON(&seed); err != nil {
		f.Fatal(err)
	}
	if err := reps[1].WriteJSON(&other); err != nil {
		f.Fatal(err)
	}
	f.Add(seed.Bytes())
	f.Add([]byte(`{"schema":"strain.report/v1","segment":{"index":0,"count":2}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := report.Read(bytes.NewReader(data))
		if err != nil {
			return
		}
		fixed, err := report.Read(bytes.NewReader(other.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		out, err := Reports([]*report.Report{r, fixed}, Options{AllowPartial: true})
		if err != nil {
			return
		}
		if err := out.WriteJSON(new(bytes.Buffer)); err != nil {
			t.Errorf("the merged report does not encode: %v", err)
		}
	})
}
