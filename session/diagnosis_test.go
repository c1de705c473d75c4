package session

import (
	"strings"
	"testing"

	"github.com/strain-dev/strain/report"
)

// A finding's line says its culprit after its summary, as the text
// report does.
func TestFindingLineNamesCulprit(t *testing.T) {
	f := report.Finding{Kind: report.Stall, Severity: report.Critical, End: 12,
		Summary: "No request completed from 9.00s to 12.0s.", Culprit: "Waiting: main.wait."}
	want := "  12.0s  FINDING  critical stall: No request completed from 9.00s to 12.0s. Waiting: main.wait."
	if got := findingLine(f); got != want {
		t.Errorf("findingLine = %q, want %q", got, want)
	}
	f.Culprit = ""
	if got := findingLine(f); strings.HasSuffix(got, " ") {
		t.Errorf("findingLine without a culprit = %q", got)
	}
}
