package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/strain-dev/strain/loadgen"
	"github.com/strain-dev/strain/report"
)

// childStartWait bounds how long the demo waits for its target to listen.
const childStartWait = 10 * time.Second

// demoPhase is one step of the demo's scripted load.
type demoPhase struct {
	name, path, what string
}

var demoPhases = []demoPhase{
	{"healthy", "/ok", "a fast endpoint: throughput is high, latency tiny"},
	{"slow", "/slow?ms=50", "a slow dependency (50 ms): throughput falls to concurrency ÷ 50 ms"},
	{"failing", "/fail?p=0.2", "random failures: about 20% of requests answer 500"},
}

func newDemoCmd(stdout, stderr io.Writer) *cobra.Command {
	var dur time.Duration
	var conc int
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Start the demo target and walk a load through healthy, slow and failing endpoints",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if dur < time.Duration(len(demoPhases))*100*time.Millisecond || conc < 1 {
				return usageErr(fmt.Errorf("demo needs -d of at least %v and -c of at least 1", time.Duration(len(demoPhases))*100*time.Millisecond))
			}
			return runDemo(cmd.Context(), dur, conc, stdout, stderr)
		},
	}
	cmd.Flags().DurationVarP(&dur, "duration", "d", 30*time.Second, "length of the whole demo")
	cmd.Flags().IntVarP(&conc, "concurrency", "c", 20, "requests in flight")
	return cmd
}

func runDemo(ctx context.Context, dur time.Duration, conc int, stdout, stderr io.Writer) error {
	base, stop, err := startTarget(ctx, stderr)
	if err != nil {
		return cannotRunErr(err)
	}
	defer stop()
	fmt.Fprintf(stdout, "strain demo: the demo target is serving on %s\n\n", base)
	var results []*report.Report
	for _, ph := range demoPhases {
		fmt.Fprintf(stdout, "== %s: GET %s — %s\n", ph.name, ph.path, ph.what)
		cfg := loadgen.Config{
			Targets:     []loadgen.Target{{Method: "GET", URL: base + ph.path}},
			Concurrency: conc, Duration: dur / time.Duration(len(demoPhases)),
		}
		rep, err := demoPhaseRun(ctx, cfg, stdout, stderr)
		if err != nil {
			return err
		}
		results = append(results, rep)
		if rep.Interrupted {
			return interruptedErr(errors.New("interrupted"))
		}
	}
	writeDemoTable(stdout, results)
	return nil
}

func demoPhaseRun(ctx context.Context, cfg loadgen.Config, stdout, stderr io.Writer) (*report.Report, error) {
	eng, err := loadgen.New(cfg)
	if err != nil {
		return nil, err
	}
	rep := newReport(eng.Config())
	for w := range eng.Start(ctx) {
		p := point(&w, false)
		rep.Series = append(rep.Series, p)
		writeProgress(stderr, &p)
	}
	res := eng.Result()
	finishReport(rep, &res)
	return rep, rep.WriteText(stdout)
}

func writeDemoTable(w io.Writer, reps []*report.Report) {
	fmt.Fprintf(w, "%-10s %12s %10s %10s %10s\n", "phase", "req/s", "p50", "p99", "errors")
	for i, rep := range reps {
		s := rep.Summary
		fmt.Fprintf(w, "%-10s %12s %10s %10s %9.1f%%\n", demoPhases[i].name, report.Number(s["throughput"]),
			report.Seconds(s["latency.p50"]), report.Seconds(s["latency.p99"]), 100*s["error_rate"])
	}
}

// startTarget runs `strain target` as a child process of this very binary
// and returns its base URL and a function that stops it.
func startTarget(ctx context.Context, stderr io.Writer) (string, func(), error) {
	self, err := os.Executable()
	if err != nil {
		return "", nil, fmt.Errorf("find own binary: %w", err)
	}
	child := exec.Command(self, "target", "--listen", "127.0.0.1:0")
	child.Stderr = stderr
	out, err := child.StdoutPipe()
	if err != nil {
		return "", nil, fmt.Errorf("start demo target: %w", err)
	}
	if err := child.Start(); err != nil {
		return "", nil, fmt.Errorf("start demo target: %w", err)
	}
	stop := func() {
		child.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { child.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(3 * time.Second):
			child.Process.Kill()
			<-done
		}
	}
	addr, err := firstLine(ctx, out, childStartWait)
	if err != nil {
		stop()
		return "", nil, fmt.Errorf("start demo target: %w", err)
	}
	go io.Copy(io.Discard, out)
	return "http://" + addr, stop, nil
}

// firstLine reads the first line of r, waiting at most wait.
func firstLine(ctx context.Context, r io.Reader, wait time.Duration) (string, error) {
	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(r).ReadString('\n')
		line <- strings.TrimSpace(s)
	}()
	select {
	case s := <-line:
		if s == "" {
			return "", errors.New("it exited before printing its address")
		}
		return s, nil
	case <-time.After(wait):
		return "", fmt.Errorf("no address after %v", wait)
	case <-ctx.Done():
		return "", ctx.Err()
	}
}
