package straintest

import (
	"bytes"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/strain-dev/strain/internal/atomicfile"
	"github.com/strain-dev/strain/report"
)

// ReportFile is the name of the run's JSON report in the artifact
// directory.
const ReportFile = "strain-report.json"

// Handler loads h as Run does and fails t when a gate fails: its log then
// has which gates failed and the run's summary, and t.ArtifactDir() the
// run's report (ReportFile) and the profiles its alerts captured. A
// Config that does not parse, or a run that could not be carried out,
// stops the test at once.
func Handler(t testing.TB, h http.Handler, cfg Config) *report.Report {
	t.Helper()
	cfg.Profiles = profilesDir(t, cfg)
	rep, err := Run(t.Context(), h, cfg)
	return check(t, rep, err)
}

// URL loads url as RunURL does, and fails t as Handler does.
func URL(t testing.TB, url string, cfg Config, watch ...string) *report.Report {
	t.Helper()
	cfg.Profiles = profilesDir(t, cfg)
	rep, err := RunURL(t.Context(), url, cfg, watch...)
	return check(t, rep, err)
}

func profilesDir(t testing.TB, cfg Config) string {
	if cfg.Profiles != "" {
		return cfg.Profiles
	}
	return t.ArtifactDir()
}

// check fails t on err or a failed run, and returns the report.
func check(t testing.TB, rep *report.Report, err error) *report.Report {
	t.Helper()
	if err != nil {
		t.Fatalf("strain: %v", err)
	}
	if rep.Passed {
		return rep
	}
	path := filepath.Join(t.ArtifactDir(), ReportFile)
	if err := atomicfile.Write(path, rep.WriteJSON); err != nil {
		t.Logf("strain: write the report: %v", err)
		path = ""
	}
	t.Error(Failure(rep, path))
	return rep
}

// Failure is the message a failed run leaves in a test's log: the gates
// that failed with their values, the run's summary, and where the report
// and the profiles are.
func Failure(rep *report.Report, path string) string {
	var b strings.Builder
	failed := 0
	for _, g := range rep.Gates {
		if !g.Pass {
			failed++
		}
	}
	switch {
	case rep.Interrupted:
		b.WriteString("strain: the run was interrupted\n")
	case failed == 0:
		b.WriteString("strain: the run was aborted\n")
	default:
		fmt.Fprintf(&b, "strain: %d of %d gates failed\n", failed, len(rep.Gates))
	}
	for _, g := range rep.Gates {
		if !g.Pass {
			fmt.Fprintf(&b, "  FAIL  %s  (%s)\n", g.Expr, g.Shown)
		}
	}
	var summary bytes.Buffer
	rep.WriteText(&summary)
	b.WriteString("\n")
	b.WriteString(summary.String())
	if path != "" {
		fmt.Fprintf(&b, "report: %s\n", path)
	}
	for _, p := range rep.Profiles {
		fmt.Fprintf(&b, "profile: %s (%s, %s)\n", p.Path, p.Kind, p.Reason)
	}
	return strings.TrimRight(b.String(), "\n")
}
