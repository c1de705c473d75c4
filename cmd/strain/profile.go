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

// readProfile reads a pprof file given on the command line; one that is
// missing or does not parse is bad input.
func readProfile(path string) (*profile.Profile, error) {
	p, err := profiles.Read(path)
	if err != nil {
		return nil, usageErr(err)
	}
	return p, nil
}

// readPair reads the two profiles a comparison needs, base first.
func readPair(basePath, newPath string) (base, newer *profile.Profile, err error) {
	if base, err = readProfile(basePath); err != nil {
		return nil, nil, err
	}
	if newer, err = readProfile(newPath); err != nil {
		return nil, nil, err
	}
	return base, newer, nil
}
