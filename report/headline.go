package report

import (
	"fmt"
	"strings"
)

// headline is what a report's title says: the gates' verdict, then the
// problems found by severity ("passed · 1 critical, 2 warning findings"),
// and the worse of the two as a severity, for its colour: a failed or
// critical run is Critical, an interrupted or warning one Warning, else
// Info.
func (r *Report) headline() (text string, worst Severity) {
	text, worst = "passed", Info
	switch {
	case r.Interrupted:
		text, worst = "interrupted", Warning
	case !r.Passed:
		text, worst = "failed", Critical
	}
	n := map[Severity]int{}
	for _, f := range r.problems() {
		n[f.Severity]++
		if f.Severity.Rank() > worst.Rank() {
			worst = f.Severity
		}
	}
	var counts []string
	for _, s := range []Severity{Critical, Warning} {
		if n[s] > 0 {
			counts = append(counts, fmt.Sprintf("%d %s", n[s], s))
		}
	}
	if len(counts) > 0 {
		noun := "findings"
		if n[Critical]+n[Warning] == 1 {
			noun = "finding"
		}
		text += " · " + strings.Join(counts, ", ") + " " + noun
	}
	return text, worst
}
