package session

import (
	"context"
	"fmt"
	"time"
)

// maxStartWait bounds how far ahead Config.StartAt may be.
const maxStartWait = 24 * time.Hour

// checkStart refuses a start more than maxStartWait ahead.
func (c *Config) checkStart() error {
	if d := time.Until(c.StartAt); !c.StartAt.IsZero() && d > maxStartWait {
		return fmt.Errorf("start at %s: more than %v ahead", c.StartAt.Format(time.RFC3339), maxStartWait)
	}
	return nil
}

// waitToStart waits until the config's StartAt, if set; false when ctx
// ended first. A time already past starts at once, and says so on the log.
func (s *Session) waitToStart(ctx context.Context) bool {
	at := s.cfg.StartAt
	if at.IsZero() {
		return true
	}
	d := time.Until(at)
	if d < 0 {
		fmt.Fprintf(s.log, "warning: start at %s was %v ago: starting now, out of step with the other segments\n",
			at.Format(time.RFC3339Nano), (-d).Round(time.Millisecond))
		return true
	}
	fmt.Fprintf(s.log, "waiting %v to start at %s\n", d.Round(time.Millisecond), at.Format(time.RFC3339Nano))
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
