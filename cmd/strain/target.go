package main

import (
	"fmt"
	"io"
	"net"

	"github.com/strain-dev/strain/internal/exitcode"

	"github.com/spf13/cobra"
	"github.com/strain-dev/strain/target"
)

func newTargetCmd(stdout, stderr io.Writer) *cobra.Command {
	var listen string
	var opts target.Options
	cmd := &cobra.Command{
		Use:   "target",
		Short: "Serve the built-in demo service, which shows the runtime problems strain finds",
		Long: `Serve the built-in demo service: a Go HTTP service with one endpoint per
runtime problem (CPU work, a slow dependency, a goroutine leak, retained
memory, lock contention, scheduler starvation, random failures, a stall),
plus /metrics and /debug/pprof/. The bound address is the first line of
stdout, so --listen 127.0.0.1:0 is scriptable.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			err := target.New(opts).ListenAndServe(cmd.Context(), listen, func(addr net.Addr) {
				fmt.Fprintln(stdout, addr.String())
			})
			if err != nil {
				return exitcode.CannotRunError(err)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&listen, "listen", target.DefaultAddr, "address to serve on (loopback unless told otherwise)")
	cmd.Flags().BoolVar(&opts.ProfileRates, "profile-rates", true, "enable the mutex and block profiles")
	cmd.Flags().BoolVar(&opts.FlightRecorder, "flight-recorder", true, "keep the last seconds of execution trace, served at /debug/strain/flight")
	return cmd
}
