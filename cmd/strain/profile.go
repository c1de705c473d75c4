package main

import (
	"io"

	"github.com/google/pprof/profile"
	"github.com/spf13/cobra"
	"github.com/strain-dev/strain/profiles"
)

// defaultTopRows is how many rows top, diff and leaks show unless -n says.
const defaultTopRows = 10

func newProfileCmd(stdout, stderr io.Writer) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "profile",
		Short: "Capture pprof profiles and traces, and summarise them",
		Long: `Capture pprof profiles and execution traces from a service's /debug/pprof/
(and its flight recorder), and read them back: top functions, the
difference between two profiles, and goroutine leaks. The files are what
the service served, so go tool pprof and go tool trace open them as they are.`,
	}
	cmd.AddCommand(newProfileCaptureCmd(stdout, stderr), newProfileTopCmd(stdout),
		newProfileDiffCmd(stdout), newProfileLeaksCmd(stdout))
	return cmd
}

// readProfiles reads the pprof files given on the command line; one that
// is missing or does not parse is bad input.
func readProfiles(paths ...string) ([]*profile.Profile, error) {
	var ps []*profile.Profile
	for _, path := range paths {
		p, err := profiles.Read(path)
		if err != nil {
			return nil, usageErr(err)
		}
		ps = append(ps, p)
	}
	return ps, nil
}
