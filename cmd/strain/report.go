package main

import (
	"io"
	"os"

	"github.com/spf13/cobra"
	"github.com/strain-dev/strain/alert"
	"github.com/strain-dev/strain/internal/exitcode"
	"github.com/strain-dev/strain/report"
	"github.com/strain-dev/strain/report/compare"
)

func newReportCmd(stdout io.Writer) *cobra.Command {
	var gates []string
	var out report.Outputs
	cmd := &cobra.Command{
		Use:   "report [flags] FILE.json [FILE2.json]",
		Short: "Render a saved report again, or compare two",
		Long: `Render a saved JSON report (strain run -o, strain merge, strain capacity) again:
its text summary, and --html, --markdown, --junit as strain run writes them.
With two, compare them side by side: each summary figure old and new, its
change, and whether the change is beyond the noise. --gate judges the
report (with two, the new one) again, replacing the gates it was judged on,
and the exit code follows, as for strain run.`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			out.StepSummary = os.Getenv("GITHUB_STEP_SUMMARY")
			if err := out.Check(); err != nil {
				return exitcode.UsageError(err)
			}
			reps := make([]*report.Report, len(args))
			for i, path := range args {
				var err error
				if reps[i], err = report.ReadFile(path); err != nil {
					return exitcode.UsageError(err)
				}
			}
			last := reps[len(reps)-1]
			parsed, err := alert.ParseGates(gates, alert.SavedCatalogue(last))
			if err != nil {
				return exitcode.UsageError(err)
			}
			alert.Rejudge(last, parsed)
			if len(reps) == 1 {
				return writeOutputs(last, out, stdout)
			}
			c := compare.Of(reps[0], last, args[0], args[1])
			return writeRendered(last, c.Renderers(), c.WriteText, out, stdout)
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&gates, "gate", nil, "judge the report (the new one) on this gate, e.g. 'latency.p99 < 200ms'; exit 1 if one fails (repeatable)")
	fl.StringVar(&out.JUnit, "junit", "", "write a JUnit XML file (one test case per gate; of the new report)")
	fl.StringVar(&out.Markdown, "markdown", "", "write a Markdown summary, or the comparison's (also appended to $GITHUB_STEP_SUMMARY when set)")
	fl.StringVar(&out.HTML, "html", "", "write a self-contained HTML report, or the comparison's with the runs' charts overlaid")
	return cmd
}
