// Command grpcecho serves loadgen/grpc/grpctest's Echo service (with its
// reflection service) on loopback until interrupted, for trying strain's
// gRPC calls and for measuring them against ghz (scripts/peers-grpc.sh).
// It prints the address it serves on, then, at its end, the calls served.
package main

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/strain-dev/strain/loadgen/grpc/grpctest"
)

// program is grpctest.T for a program: Fatal exits, cleanups run at the end.
type program struct{ cleanups []func() }

func (p *program) Helper()           {}
func (p *program) Cleanup(f func())  { p.cleanups = append(p.cleanups, f) }
func (p *program) Fatal(args ...any) { fmt.Fprintln(os.Stderr, args...); os.Exit(1) }

func main() {
	p := &program{}
	srv := grpctest.Start(p, true)
	fmt.Println(srv.Addr)
	fmt.Fprintln(os.Stderr, "proto:", srv.Proto)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	<-sig
	for _, f := range p.cleanups {
		f()
	}
	fmt.Fprintln(os.Stderr, "calls served:", srv.Calls.Load())
}
