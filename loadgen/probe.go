package loadgen

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"time"

	"github.com/strain-dev/strain/loadgen/send"
)

const (
	// DefaultProbeWait is how long Probe tries an address when not told.
	DefaultProbeWait = 2 * time.Second
	// probeEvery is how often Probe retries an address that refused.
	probeEvery = 100 * time.Millisecond
)

// Probe checks that every target's host accepts TCP connections, retrying
// each for up to wait (zero or negative: DefaultProbeWait). Its error names the first address that never did, so
// a run against a dead target fails at once instead of counting errors.
func Probe(ctx context.Context, targets []Target, wait time.Duration) error {
	seen := map[string]bool{}
	for _, t := range targets {
		addr, err := dialAddr(t.URL)
		if err != nil {
			return err
		}
		if seen[addr] {
			continue
		}
		seen[addr] = true
		if err := probeAddr(ctx, addr, wait); err != nil {
			return fmt.Errorf("target %s unreachable: %w", addr, err)
		}
	}
	return nil
}

func probeAddr(ctx context.Context, addr string, wait time.Duration) error {
	if wait <= 0 {
		wait = DefaultProbeWait
	}
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	var d net.Dialer
	for {
		c, err := d.DialContext(ctx, "tcp", addr)
		if err == nil {
			return c.Close()
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(probeEvery):
		}
	}
}

// dialAddr is the host:port a URL connects to.
func dialAddr(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("malformed URL %q", raw)
	}
	return send.HostPort(u), nil
}
