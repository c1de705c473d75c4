package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"
	"github.com/strain-dev/strain/profiles"
)

func newProfileLeaksCmd(stdout io.Writer) *cobra.Command {
	var n int
	cmd := &cobra.Command{
		Use:   "leaks BASE [NEW] [-n N]",
		Short: "Group goroutine profiles by stack, and show which stacks grew",
		Long: `With one goroutine profile, list its goroutines grouped by stack, the
largest group first. With two, list the stacks whose goroutine count
changed from BASE to NEW, the most grown first: a leak is the stack at the
top, growing with the load.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			switch len(args) {
			case 1:
				return runStacks(args[0], n, stdout)
			case 2:
				return runLeaks(args[0], args[1], n, stdout)
			}
			return usageErr(errors.New("strain profile leaks BASE [NEW]: give one or two goroutine profiles"))
		},
	}
	cmd.Flags().IntVarP(&n, "stacks", "n", defaultTopRows, "stacks to show (0: all)")
	return cmd
}

func runStacks(path string, n int, stdout io.Writer) error {
	p, err := readProfile(path)
	if err != nil {
		return err
	}
	stacks, err := profiles.Stacks(p)
	if err != nil {
		return usageErr(fmt.Errorf("leaks %s: %w", path, err))
	}
	return profiles.RenderStacks(stacks, n)(stdout)
}

func runLeaks(basePath, newPath string, n int, stdout io.Writer) error {
	base, newer, err := readPair(basePath, newPath)
	if err != nil {
		return err
	}
	l, err := profiles.Compare(base, newer)
	if err != nil {
		return usageErr(fmt.Errorf("leaks %s %s: %w", basePath, newPath, err))
	}
	if n > 0 && len(l.Stacks) > n {
		l.Stacks = l.Stacks[:n]
	}
	return l.Render(stdout)
}
