// Command tracecost takes execution-trace windows from a service's pprof
// endpoint as strain's monitor does (monitor.NewTrace, sampled once a
// second), for scripts/trace-cost.sh's rounds "with" windows, and when
// stopped (SIGINT, SIGTERM, or after -d) prints the windows it read and
// the CPU it spent reading them. It is not part of strain.
//
//	tracecost -pprof http://127.0.0.1:18090/debug/pprof -d 20s
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/strain-dev/strain/monitor"
)

func main() {
	base := flag.String("pprof", "", "the service's pprof base URL, http://host:port/debug/pprof")
	d := flag.Duration("d", 20*time.Second, "how long to run")
	window := flag.Duration("window", 0, "trace window (0: monitor.DefaultTraceWindow)")
	every := flag.Duration("every", 0, "how often a window starts (0: monitor.DefaultTraceEvery)")
	flag.Parse()
	if *base == "" {
		fmt.Fprintln(os.Stderr, "tracecost: -pprof is required")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, *d)
	defer cancel()
	if err := run(ctx, *base, monitor.TraceConfig{Window: *window, Every: *every}); err != nil {
		fmt.Fprintln(os.Stderr, "tracecost:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, base string, cfg monitor.TraceConfig) error {
	src := monitor.NewTrace(base, cfg, nil)
	defer src.(io.Closer).Close()
	start, cpu0 := time.Now(), cpuTime()
	var windows int
	var last monitor.Metrics
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			cpu := cpuTime() - cpu0
			fmt.Printf("windows %d in %v; tracecost CPU %v (%.1f ms a window, %.2f%% of one core)\n",
				windows, time.Since(start).Round(time.Millisecond), cpu.Round(time.Millisecond),
				float64(cpu.Milliseconds())/float64(max(windows, 1)), 100*cpu.Seconds()/time.Since(start).Seconds())
			fmt.Printf("last window: %v\n", last)
			if w, ok := src.(monitor.Warner); ok && len(w.Warnings()) > 0 {
				fmt.Printf("notes: %q\n", w.Warnings())
			}
			return nil
		case <-tick.C:
		}
		sctx, scancel := context.WithTimeout(ctx, time.Second)
		m, err := src.Sample(sctx)
		scancel()
		if err != nil {
			return err
		}
		if len(m) > 0 {
			windows++
			last = m
		}
	}
}

// cpuTime is the CPU this process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
