package session

import (
	"context"
	"fmt"
	"os"
	"syscall"
	"time"

	"github.com/strain-dev/strain/loadgen"
	"github.com/strain-dev/strain/monitor"
)

// probeWatch checks, for a run without load, that every watched target is
// there: each URL's host accepts connections (within wait) and each pid is
// a live process. It is the rule a load follows for its own targets: what
// is not there at the start is an UnreachableError, not a run of empty
// intervals. (With load, a watched target that is not there is a warning:
// the load is the run.)
func probeWatch(ctx context.Context, specs []monitor.Spec, wait time.Duration) error {
	for _, s := range specs {
		var urls []loadgen.Target
		for _, u := range s.Bases {
			urls = append(urls, loadgen.Target{URL: u})
		}
		for _, u := range s.Pprof {
			urls = append(urls, loadgen.Target{URL: u})
		}
		for _, p := range s.Proms {
			urls = append(urls, loadgen.Target{URL: p.URL})
		}
		if err := loadgen.Probe(ctx, urls, wait); err != nil {
			return fmt.Errorf("watch %s: %w", s.Name, err)
		}
		for _, pid := range s.Pids {
			if !alive(pid) {
				return fmt.Errorf("watch %s: no process %d", s.Name, pid)
			}
		}
	}
	return nil
}

// alive says whether process pid exists (signal 0 checks without sending).
func alive(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	err = p.Signal(syscall.Signal(0))
	return err == nil || err == syscall.EPERM // EPERM: there, but not ours
}
