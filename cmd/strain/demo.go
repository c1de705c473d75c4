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
	"github.com/strain-dev/strain/monitor"
	"github.com/strain-dev/strain/profiles"
	"github.com/strain-dev/strain/session"
	"github.com/strain-dev/strain/target"
)

// childStartWait bounds how long the demo waits for its target to listen.
const childStartWait = 10 * time.Second

// DefaultDemoDuration is long enough for the default alerts' sustain
// windows to fire in each act.
const DefaultDemoDuration = 60 * time.Second

func newDemoCmd(stdout, stderr io.Writer) *cobra.Command {
	var dur time.Duration
	var noTUI bool
	var output string
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Start the demo target and walk a load through a leak, a starved scheduler and a stall",
		Long: `Start the demo target as a child process and load it for a minute while it
goes from healthy to leaking goroutines, to a starved scheduler, to a stall,
and back, with the default alerts on: the dashboard shows them fire and
profiles captured. Without a terminal it prints progress lines instead.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if dur < 5*time.Second {
				return usageErr(errors.New("demo needs -d of at least 5s"))
			}
			if output != "" {
				if err := checkWritable(output); err != nil {
					return usageErr(err)
				}
			}
			return runDemo(cmd.Context(), dur, wantTUI(false, noTUI, stdout), outputs{json: output}, stdout, stderr)
		},
	}
	cmd.Flags().DurationVarP(&dur, "duration", "d", DefaultDemoDuration, "length of the demo")
	cmd.Flags().BoolVar(&noTUI, "no-tui", false, "no dashboard: progress lines on stderr")
	cmd.Flags().StringVarP(&output, "output", "o", "", "write the JSON report to this file")
	return cmd
}

func runDemo(ctx context.Context, dur time.Duration, ui bool, out outputs, stdout, stderr io.Writer) error {
	base, stop, err := startTarget(ctx, stderr)
	if err != nil {
		return cannotRunErr(err)
	}
	defer stop()
	spec, err := monitor.ParseSpec("demo=" + base)
	if err != nil {
		return err
	}
	load := loadgen.Config{Targets: []loadgen.Target{{Method: "GET", URL: base + "/ok"}}, Rate: 300, Duration: dur}
	verdict := &verdictFlags{alertFiles: []string{"default"}, profiles: profiles.DefaultDir}
	l := launch{cfg: session.Config{Load: &load, Watch: []monitor.Spec{spec}}, verdict: verdict,
		ui: ui, header: loadHeader(load), lines: session.Progress(stderr), out: out}
	if err := verdict.apply(&l.cfg); err != nil {
		return err
	}
	// The scenario's lines go where the run's do: the dashboard's event
	// lines, or stderr.
	l.begin = func(log io.Writer) {
		fmt.Fprintf(log, "demo target serving on %s\n", base)
		go target.Play(ctx, base, target.Scenario, dur, log)
	}
	return withProcs(procs(0, load), func() error { return l.execute(ctx, stdout, stderr) })
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
