package profilecmd

import (
	"errors"
	"fmt"
	"io"

	"github.com/strain-dev/strain/internal/exitcode"

	"github.com/spf13/cobra"
	"github.com/strain-dev/strain/profiles"
)

func newDiffCmd(stdout io.Writer) *cobra.Command {
	var (
		f     topFlags
		write string
	)
	cmd := &cobra.Command{
		Use:   "diff BASE NEW [-n N] [--write FILE]",
		Short: "List what changed from one profile to another, as go tool pprof -diff_base does",
		Long: `List the functions whose share changed most from BASE to NEW, positive
where NEW has more, in percent of BASE's total: go tool pprof -top
-diff_base=BASE NEW. --write saves the difference as a profile that
go tool pprof opens.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) != 2 {
				return exitcode.UsageError(errors.New("strain profile diff BASE NEW: give two profiles"))
			}
			return runDiff(args[0], args[1], f, write, stdout)
		},
	}
	f.register(cmd)
	cmd.Flags().StringVar(&write, "write", "", "write the difference to this file (gzipped protobuf)")
	return cmd
}

func runDiff(basePath, newPath string, f topFlags, write string, stdout io.Writer) error {
	ps, err := readProfiles(basePath, newPath)
	if err != nil {
		return err
	}
	d, err := profiles.Diff(ps[0], ps[1])
	if err != nil {
		return exitcode.UsageError(err)
	}
	tab, err := profiles.Top(d, f.sampleIndex, f.n, f.cum)
	if err != nil {
		return exitcode.UsageError(err)
	}
	if write != "" {
		if err := profiles.Write(write, d); err != nil {
			return exitcode.UsageError(err)
		}
	}
	if len(tab.Rows) == 0 {
		_, err := fmt.Fprintln(stdout, "no difference")
		return err
	}
	return tab.Render(stdout)
}
