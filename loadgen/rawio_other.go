//go:build !linux

package loadgen

import (
	"io"
	"net"
)

// rawIO is Linux only; elsewhere the wire path reads and writes through
// net.Conn.
type rawIO struct{ io.ReadWriter }

func newRawIO(net.Conn) *rawIO { return nil }
