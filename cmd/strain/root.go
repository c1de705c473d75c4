package main

import (
	"context"
	"io"

	"github.com/spf13/cobra"
)

// run is the whole CLI: main is a shim around it so that tests drive the
// real commands end to end.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	root := &cobra.Command{
		Use:           "strain",
		Short:         "Load a service and watch what the load does to its runtime",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageErr(err) })
	root.AddCommand(newRunCmd(stdout, stderr), newWatchCmd(stdout, stderr), newTargetCmd(stdout, stderr), newDemoCmd(stdout, stderr))
	root.AddCommand(newProfileCmd(stdout, stderr))
	return root.ExecuteContext(ctx)
}
