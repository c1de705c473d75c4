package main

import (
	"io"
	"os"

	"github.com/spf13/cobra"
	"github.com/strain-dev/strain/internal/exitcode"
	"github.com/strain-dev/strain/report"
	"github.com/strain-dev/strain/report/compare"
)

func newReportCmd(stdout io.Writer) *cobra.Command {
	var gates []string
	var out report.Outputs
	cmd := &cobra.Command{
		Use:   "report [flags] FILE.json [FILE2.json]",
		Short: "Render a saved report again, or compare two: each figure, its change, and whether it is beyond the noise",
		Args:  cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			out.StepSummary = os.Getenv("GITHUB_STEP_SUMMARY")
			rep, r, err := compare.Open(args, gates, out)
			if err != nil {
				return exitcode.UsageError(err)
			}
			return writeOutputs(rep, r, out, stdout)
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&gates, "gate", nil, "judge the (new) report on this gate instead of its own, e.g. 'latency.p99 < 200ms'; exit 1 if one fails (repeatable)")
	fl.StringVar(&out.JUnit, "junit", "", "write a JUnit XML file (one test case per gate; the new report's)")
	fl.StringVar(&out.Markdown, "markdown", "", "write a Markdown summary, or the comparison (also appended to $GITHUB_STEP_SUMMARY when set)")
	fl.StringVar(&out.HTML, "html", "", "write a self-contained HTML report, or the comparison with the runs' charts overlaid")
	return cmd
}
