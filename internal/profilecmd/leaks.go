package profilecmd

import (
	"errors"
	"fmt"
	"io"

	"github.com/strain-dev/strain/internal/exitcode"

	"github.com/spf13/cobra"
	"github.com/strain-dev/strain/profiles"
)

func newLeaksCmd(stdout io.Writer) *cobra.Command {
	var n int
	cmd := &cobra.Command{
		Use:   "leaks BASE [NEW] [-n N]",
		Short: "Group goroutine profiles by stack, and show which stacks grew",
		Long: `With one goroutine profile, list its goroutines grouped by stack, the
largest group first. With two, list the stacks whose goroutine count
changed from BASE to NEW, the most grown first: a leak is the stack at the
top, growing with the load.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 && len(args) != 2 {
				return exitcode.UsageError(errors.New("strain profile leaks BASE [NEW]: give one or two goroutine profiles"))
			}
			return runLeaks(args, n, stdout)
		},
	}
	cmd.Flags().IntVarP(&n, "stacks", "n", defaultTopRows, "stacks to show (0: all)")
	return cmd
}

// runLeaks lists the stacks of one goroutine profile, or those whose count
// changed from the first to the second.
func runLeaks(paths []string, n int, stdout io.Writer) error {
	ps, err := readProfiles(paths...)
	if err != nil {
		return err
	}
	if len(ps) == 1 {
		stacks, err := profiles.Stacks(ps[0])
		if err != nil {
			return exitcode.UsageError(fmt.Errorf("leaks %s: %w", paths[0], err))
		}
		return profiles.RenderStacks(stacks, n)(stdout)
	}
	l, err := profiles.Compare(ps[0], ps[1])
	if err != nil {
		return exitcode.UsageError(fmt.Errorf("leaks %s %s: %w", paths[0], paths[1], err))
	}
	if n > 0 && len(l.Stacks) > n {
		l.Stacks = l.Stacks[:n]
	}
	return l.Render(stdout)
}
