package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/strain-dev/strain/report"
)

var lock = truth{Fault: "lock", Kind: "contention", Culprit: "commitToLedger"}

func TestJudge(t *testing.T) {
	for _, tc := range []struct {
		name     string
		tr       truth
		findings []report.Finding
		named    bool
		culprit  bool
		false_   []string
		unjudged []string
	}{
		{"named with its culprit in a top line", lock, []report.Finding{
			{Kind: "contention", Severity: "critical", Evidence: []report.Evidence{{Top: []string{"31 goroutines in main.commitToLedger"}}}},
		}, true, true, nil, nil},
		{"named with its culprit in the summary", lock, []report.Finding{
			{Kind: "contention", Severity: "warning", Summary: "Top: main.commitToLedger"},
		}, true, true, nil, nil},
		{"named without its culprit", lock, []report.Finding{
			{Kind: "contention", Severity: "warning", Summary: "locks"},
			{Kind: "starvation", Severity: "warning", Summary: "main.commitToLedger"},
		}, true, false, []string{"starvation"}, nil},
		{"an info finding is not a finding", lock, []report.Finding{
			{Kind: "contention", Severity: "info", Summary: "main.commitToLedger"},
		}, false, false, nil, nil},
		{"unjudged is not false", lock, []report.Finding{
			{Kind: "insufficient_data", Severity: "info", Unjudged: []report.Kind{"starvation", "contention"}},
			{Kind: "blocking", Severity: "warning"},
			{Kind: "blocking", Severity: "critical"},
		}, false, false, []string{"blocking"}, []string{"contention", "starvation"}},
		{"anything found in a healthy service is false", truth{Fault: "healthy", Kind: none}, []report.Finding{
			{Kind: "starvation", Severity: "warning"},
		}, false, false, []string{"starvation"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := judge(&report.Report{Findings: tc.findings}, tc.tr)
			if r.named != tc.named || r.culprit != tc.culprit || !slices.Equal(r.false_, tc.false_) || !slices.Equal(r.unjudged, tc.unjudged) {
				t.Errorf("got named %v culprit %v false %v unjudged %v; want %v %v %v %v",
					r.named, r.culprit, r.false_, r.unjudged, tc.named, tc.culprit, tc.false_, tc.unjudged)
			}
		})
	}
}

func TestTable(t *testing.T) {
	dir := t.TempDir()
	write := func(path, json string) {
		t.Helper()
		path = filepath.Join(dir, path)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(json), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("lock/vitals/1.json", `{"schema":"strain.report/v1","findings":[{"kind":"contention","severity":"critical","summary":"Top: 31 goroutines in main.commitToLedger"},{"kind":"gc_pressure","severity":"warning"}]}`)
	write("lock/vitals/2.json", `{"schema":"strain.report/v1","findings":[]}`)
	write("healthy/vitals/1.json", `{"schema":"strain.report/v1","findings":[{"kind":"insufficient_data","severity":"info","unjudged":["contention"]}]}`)
	write("healthy/vitals/2.json", `{"schema":"strain.report/v1","findings":[{"kind":"starvation","severity":"warning"}]}`)
	var b strings.Builder
	if err := score(dir, []truth{{Fault: "healthy", Kind: none}, lock}, []string{"vitals", "pprof"}, 2).render(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"| healthy (none) | clean 1/2, false: starvation×1, unjudged: contention×1 | clean 0/2, no report×2 |",
		"| lock (contention: commitToLedger) | 1/2 ✓culprit 1/2, false: gc_pressure×1 | 0/2 ✓culprit 0/2, no report×2 |",
		"- vitals: precision 0.33 (1/3), recall 0.50 (1/2), culprit named in 1 of 1 found",
		"- pprof: precision –, recall 0.00 (0/2), culprit named in 0 of 0 found, 4 of 4 runs without a report",
		"- lock vitals #1: contention(critical), gc_pressure(warning); culprit named",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("the table has no line %q:\n%s", want, b.String())
		}
	}
}
