package profilecmd

import (
	"errors"
	"io"

	"github.com/strain-dev/strain/internal/exitcode"

	"github.com/spf13/cobra"
	"github.com/strain-dev/strain/profiles"
)

// topFlags shape a top listing, as go tool pprof's -nodecount, -cum and
// -sample_index do.
type topFlags struct {
	n           int
	cum         bool
	sampleIndex string
}

func (f *topFlags) register(cmd *cobra.Command) {
	cmd.Flags().IntVarP(&f.n, "nodecount", "n", defaultTopRows, "functions to show (0: all)")
	cmd.Flags().BoolVar(&f.cum, "cum", false, "sort by cumulative rather than flat")
	cmd.Flags().StringVar(&f.sampleIndex, "sample-index", "", "the sample type to show, e.g. alloc_space (default: the profile's own)")
}

func newTopCmd(stdout io.Writer) *cobra.Command {
	var f topFlags
	cmd := &cobra.Command{
		Use:   "top FILE [-n N] [--cum] [--sample-index NAME]",
		Short: "List a profile's top functions, as go tool pprof -top does",
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return exitcode.UsageError(errors.New("strain profile top FILE: give one profile"))
			}
			ps, err := readProfiles(args[0])
			if err != nil {
				return err
			}
			tab, err := profiles.Top(ps[0], f.sampleIndex, f.n, f.cum)
			if err != nil {
				return exitcode.UsageError(err)
			}
			return tab.Render(stdout)
		},
	}
	f.register(cmd)
	return cmd
}
