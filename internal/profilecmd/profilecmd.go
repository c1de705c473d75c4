// Package profilecmd is strain's profile command: capture profiles and
// traces from a service's /debug/pprof/, and read them back (top functions,
// the difference between two, goroutine leaks), as go tool pprof would.
package profilecmd

import (
	"io"

	"github.com/strain-dev/strain/internal/shutdown"

	"github.com/strain-dev/strain/internal/exitcode"

	"github.com/google/pprof/profile"
	"github.com/spf13/cobra"
	"github.com/strain-dev/strain/profiles"
)

// defaultTopRows is how many rows top, diff and leaks show unless -n says.
const defaultTopRows = 10

// New returns the profile command, printing to stdout and stderr. Captures
// being written register with exits, so that a second signal waits for
// them rather than leave a file cut short.
func New(stdout, stderr io.Writer, exits *shutdown.Gate) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "profile",
		Short: "Capture pprof profiles and traces, and summarise them",
		Long: `Capture pprof profiles and execution traces from a service's /debug/pprof/
(and its flight recorder), and read them back: top functions, the
difference between two profiles, and goroutine leaks. The files are what
the service served, so go tool pprof and go tool trace open them as they are.`,
	}
	cmd.AddCommand(newCaptureCmd(stdout, stderr, exits), newTopCmd(stdout),
		newDiffCmd(stdout), newLeaksCmd(stdout))
	return cmd
}

// readProfiles reads the pprof files given on the command line; one that
// is missing or does not parse is bad input.
func readProfiles(paths ...string) ([]*profile.Profile, error) {
	var ps []*profile.Profile
	for _, path := range paths {
		p, err := profiles.Read(path)
		if err != nil {
			return nil, exitcode.UsageError(err)
		}
		ps = append(ps, p)
	}
	return ps, nil
}
