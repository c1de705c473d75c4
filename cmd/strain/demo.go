package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/strain-dev/strain/loadgen"
	"github.com/strain-dev/strain/monitor"
)

// childStartWait bounds how long the demo waits for its target to listen.
const childStartWait = 10 * time.Second

// DefaultDemoDuration is long enough for the default alerts' sustain
// windows to fire in each act.
const DefaultDemoDuration = 60 * time.Second

// act is one step of the demo's scenario, at a fraction of the run.
type act struct {
	at    float64 // fraction of the run
	say   string
	every time.Duration // repeat the action this often until the next act; 0: once
	do    string        // path on the demo target to GET
}

var scenario = []act{
	{0, "healthy: a steady 300 req/s against a fast endpoint", 0, ""},
	{0.15, "goroutine leak: the target now leaks 150 goroutines a second (watch target goroutines climb)", 500 * time.Millisecond, "/leak?n=75"},
	{0.48, "scheduler starvation: CPU hogs on every core (watch target sched p99, and the load's latency)", 2 * time.Second, "/hog?ms=2100&g=8"},
	{0.72, "stall: every response held for 3 s (watch corrected p99 carry it, uncorrected not)", 0, "/admin/stall?for=3s"},
	{0.80, "recovery: leaks released, load as at the start", 0, "/leak/reset"},
}

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
	errOut := stderr
	var events *lineBuffer
	if ui {
		events = &lineBuffer{}
		errOut = events
	}
	fmt.Fprintf(errOut, "demo target serving on %s\n", base)
	spec, err := monitor.ParseSpec("demo=" + base)
	if err != nil {
		return err
	}
	specs := []monitor.Spec{spec}
	verdict := verdictFlags{alertFiles: []string{"default"}, profiles: "profiles"}
	j, err := verdict.newJudge(specs, errOut)
	if err != nil {
		return err
	}
	defer j.close(ctx)
	if ui && j.captures == nil {
		if j.captures, err = startCaptures(verdict.profiles, specs, errOut); err != nil {
			return usageErr(err)
		}
	}
	cfg := loadgen.Config{Targets: []loadgen.Target{{Method: "GET", URL: base + "/ok"}}, Rate: 300, Duration: dur}
	go playScenario(ctx, base, dur, errOut)
	return withProcs(procs(0, cfg), func() error {
		return runLoad(ctx, cfg, specs, j, out, stdout, errOut, events)
	})
}

// playScenario drives the demo target through the acts, saying each.
func playScenario(ctx context.Context, base string, dur time.Duration, say io.Writer) {
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{Proxy: nil}}
	start := time.Now()
	for i, a := range scenario {
		end := dur
		if i+1 < len(scenario) {
			end = time.Duration(scenario[i+1].at * float64(dur))
		}
		if !sleepUntil(ctx, start.Add(time.Duration(a.at*float64(dur)))) {
			return
		}
		fmt.Fprintf(say, "%5.1fs  demo: %s\n", time.Since(start).Seconds(), a.say)
		for a.do != "" {
			if resp, err := client.Get(base + a.do); err == nil {
				resp.Body.Close()
			}
			if a.every == 0 || time.Since(start)+a.every >= end || !sleepUntil(ctx, time.Now().Add(a.every)) {
				break
			}
		}
	}
}

func sleepUntil(ctx context.Context, t time.Time) bool {
	select {
	case <-ctx.Done():
		return false
	case <-time.After(time.Until(t)):
		return true
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
