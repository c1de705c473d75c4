//go:build !linux

package http1

import (
	"io"
	"net"
)

// rawIO is Linux only; elsewhere the wire path reads and writes through
// net.Conn.
type rawIO struct{ io.ReadWriter }

func newRawIO(net.Conn) *rawIO { return nil }

// Send is never called: newRawIO returns nil.
func (r *rawIO) Send(p []byte) (int, error) { return r.Write(p) }
