package http1

import "syscall"

// idleProbe tells whether the server has closed (or spoken on) a kept-alive
// connection while it sat idle, without blocking and without reading: a
// peek that finds the end of the stream, or bytes no request asked for,
// means the connection must not carry the next request.
type idleProbe struct {
	rc   syscall.RawConn
	gone bool
	fn   func(fd uintptr) // made once, so that a probe allocates nothing
	buf  [1]byte
}

func newIdleProbe(rc syscall.RawConn) *idleProbe {
	p := &idleProbe{rc: rc}
	p.fn = p.peek
	return p
}

func (p *idleProbe) peek(fd uintptr) {
	n, _, err := syscall.Recvfrom(int(fd), p.buf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
	// EAGAIN: nothing to read, the connection is as it was left.
	p.gone = err == nil && n >= 0 || err != nil && err != syscall.EAGAIN && err != syscall.EINTR
}

// closed reports whether the connection may no longer carry a request.
func (p *idleProbe) closed() bool {
	if p == nil || p.rc.Control(p.fn) != nil {
		return false
	}
	return p.gone
}
