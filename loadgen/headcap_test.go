package loadgen

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/strain-dev/strain/internal/loadtest"
)

// A response whose head never ends, in small header lines as fast as the
// server can write them, is a protocol error once it passes the cap on a
// head's size, at once, as a single line too long is; not a timeout.
func TestEndlessHeadIsProtocol(t *testing.T) {
	url := loadtest.RawServer(t, func(c net.Conn) {
		defer c.Close()
		loadtest.ReadRequest(c)
		if _, err := c.Write([]byte("HTTP/1.1 200 OK\r\n")); err != nil {
			return
		}
		line := []byte("X-Filler: 0123456789abcdef\r\n")
		lines := make([]byte, 0, 64<<10)
		for len(lines)+len(line) <= cap(lines) {
			lines = append(lines, line...)
		}
		c.SetWriteDeadline(time.Now().Add(20 * time.Second))
		for {
			if _, err := c.Write(lines); err != nil {
				return // the client has gone
			}
		}
	})
	forEachPathInTurn(t, func(t *testing.T, p path) {
		start := time.Now()
		_, res := runEngine(t, context.Background(), p.on(Config{
			Targets: []Target{{URL: url}}, Concurrency: 1, Requests: 1, Timeout: 10 * time.Second,
		}))
		if took := time.Since(start); res.Kinds["protocol"] != 1 || took > 5*time.Second {
			t.Errorf("kinds %v after %v; want 1 protocol, well before the 10s timeout", res.Kinds, took)
		}
	})
}
