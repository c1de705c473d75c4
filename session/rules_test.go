package session

import (
	"testing"

	"github.com/strain-dev/strain/metric"
	"github.com/strain-dev/strain/report"
)

// A run's catalogue knows the summary's counts of findings, of every kind
// and severity, so that gates (--fail-on) can judge them.
func TestCatalogueCountsFindings(t *testing.T) {
	cat := Catalogue(nil)
	for _, k := range report.Kinds {
		if u, err := cat.Lookup("findings."+string(k), false); err != nil || u != metric.Count {
			t.Errorf("Lookup(findings.%s) = %v, %v; want a count", k, u, err)
		}
	}
	for _, s := range report.Severities {
		if u, err := cat.Lookup("findings."+string(s), false); err != nil || u != metric.Count {
			t.Errorf("Lookup(findings.%s) = %v, %v; want a count", s, u, err)
		}
	}
	if _, err := cat.Lookup("findings.leaks", false); err == nil {
		t.Error("findings.leaks, a kind diagnosis does not have, was taken for a count")
	}
}
