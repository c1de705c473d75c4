package main

import (
	"fmt"
	"io"
	"os"

	"github.com/strain-dev/strain/internal/exitcode"

	"github.com/spf13/cobra"
	"github.com/strain-dev/strain/alert"
	"github.com/strain-dev/strain/merge"
	"github.com/strain-dev/strain/report"
	"github.com/strain-dev/strain/session"
)

// mergeFlags are strain merge's flags.
type mergeFlags struct {
	output       string
	gates        []string
	allowPartial bool
	out          report.Outputs
}

func newMergeCmd(stdout, stderr io.Writer) *cobra.Command {
	f := &mergeFlags{}
	cmd := &cobra.Command{
		Use:   "merge [flags] REPORT...",
		Short: "Merge the reports of a load's segments into one, and judge it",
		Long: `Merge the JSON reports of the segments of one load (strain run --segment
I/N, on several machines or pods) into one report, as if one process had
run the whole load: counts add exactly, percentiles come from the merged
histograms, the series align by wall-clock time, and the gates are judged
once, on the merged summary. A missing, repeated or interrupted segment is
an error (exit 2), unless --allow-partial.`,
		RunE: func(cmd *cobra.Command, args []string) error { return f.execute(args, stdout) },
	}
	fl := cmd.Flags()
	fl.StringVarP(&f.output, "output", "o", "", "write the merged JSON report to this file")
	fl.StringArrayVar(&f.gates, "gate", nil, "CI gate on the merged report, e.g. 'latency.p99 < 200ms'; exit 1 if one fails (repeatable)")
	fl.BoolVar(&f.allowPartial, "allow-partial", false, "merge the segments present when some are missing or were interrupted; the report says which")
	fl.StringVar(&f.out.JUnit, "junit", "", "write a JUnit XML file (one test case per gate)")
	fl.StringVar(&f.out.Markdown, "markdown", "", "write a Markdown summary (also appended to $GITHUB_STEP_SUMMARY when set)")
	fl.StringVar(&f.out.HTML, "html", "", "write a self-contained HTML report with charts")
	return cmd
}

func (f *mergeFlags) execute(args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return exitcode.UsageError(fmt.Errorf("nothing to merge: strain merge [flags] REPORT..."))
	}
	out := f.out
	out.JSON, out.StepSummary = f.output, os.Getenv("GITHUB_STEP_SUMMARY")
	if err := out.Check(); err != nil {
		return exitcode.UsageError(err)
	}
	gates, err := alert.ParseGates(f.gates, session.Catalogue(nil))
	if err != nil {
		return exitcode.UsageError(err)
	}
	reps := make([]*report.Report, 0, len(args))
	for _, path := range args {
		r, err := report.ReadFile(path)
		if err != nil {
			return exitcode.UsageError(err)
		}
		reps = append(reps, r)
	}
	merged, err := merge.Reports(reps, merge.Options{Gates: gates, AllowPartial: f.allowPartial})
	if err != nil {
		return exitcode.UsageError(err)
	}
	return writeOutputs(merged, merged.Renderers(), out, stdout)
}
