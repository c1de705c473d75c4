package http1

import (
	"bufio"
	"context"
	"crypto/tls"
	"io"
	"net"
	"time"

	"github.com/strain-dev/strain/loadgen/send"
)

// wireBufSize is each wire connection's read buffer: room for the head of
// a typical response, so that it takes one read.
const wireBufSize = 4096

// aLongTimeAgo is a deadline in the past: setting it makes every read and
// write on a connection fail at once.
var aLongTimeAgo = time.Unix(1, 0)

// wireConn is one connection of the wire path, used by one worker only.
type wireConn struct {
	nc    net.Conn  // TCP, or TLS over it
	rw    io.Writer // nc, or raw I/O on it (rawio_linux.go)
	raw   *rawIO    // the raw I/O, or nil
	br    *bufio.Reader
	stop  func() bool // unregisters the run-end hook
	armed time.Time   // the deadline set on nc
	// reused is set once a response has come back whole: a failure before
	// the next response's first byte then means the server closed the
	// connection while it was idle.
	reused bool
	idle   *idleProbe // nil where it cannot look
	last   time.Time  // the deadline of the request it last carried
}

// idleCheckAfter is how long a kept-alive connection may sit idle before
// it is looked at before reuse: a server that closes idle connections
// (Node's 5 s, a proxy's) would fail the next request on it, and one that
// is not safe to send twice (a POST) could not be retried. A busy
// connection is never looked at, so the look costs a fast run nothing.
const idleCheckAfter = 50 * time.Millisecond

// stale reports whether the connection sat idle since its last request
// (deadlines are sent+timeout, so their gap is the gap between sends) and
// the server closed it meanwhile.
func (c *wireConn) stale(deadline time.Time) bool {
	return c.reused && deadline.Sub(c.last) > idleCheckAfter && c.idle.closed()
}

// dialWire connects to ep, over TLS for https, giving up at deadline or
// when ctx (the run) ends.
func dialWire(ctx context.Context, ep *endpoint, deadline time.Time, slack time.Duration) (*wireConn, error) {
	d := net.Dialer{Deadline: deadline, KeepAlive: 30 * time.Second}
	nc, err := d.DialContext(ctx, "tcp", ep.addr)
	if err != nil {
		return nil, err
	}
	// The run's end must cut off a request in flight. A deadline in the
	// past does that with one hook per connection, where a context per
	// request would allocate on every request.
	c := &wireConn{nc: nc, stop: context.AfterFunc(ctx, func() { nc.SetDeadline(aLongTimeAgo) })}
	if rc, err := nc.(*net.TCPConn).SyscallConn(); err == nil {
		c.idle = newIdleProbe(rc)
	}
	if ep.tls != nil {
		tc := tls.Client(nc, ep.tls)
		if err := c.arm(ctx, deadline, slack); err != nil {
			c.close()
			return nil, err
		}
		if err := tc.Handshake(); err != nil {
			c.close()
			return nil, err
		}
		c.nc = tc
	}
	var rw io.ReadWriter = c.nc
	if c.raw = newRawIO(c.nc); c.raw != nil {
		rw = c.raw
	}
	c.rw, c.br = rw, bufio.NewReaderSize(rw, wireBufSize)
	return c, nil
}

// arm makes sure the connection's deadline falls no earlier than
// deadline, the request's. Setting a deadline costs two clock reads and a
// timer update, some 2% of a request on loopback, so it is set with slack
// to spare and left alone while it still covers the next request: a
// request then gives up at most slack after its deadline, and Engine.do
// counts a response that came after its deadline as a timeout, so no
// request is counted differently.
//
// ctx is checked after setting the deadline: the run-end hook may have
// set its past deadline just before, which this one would undo. The hook
// runs only once the run's error is set, so one of the two sees the other.
func (c *wireConn) arm(ctx context.Context, deadline time.Time, slack time.Duration) error {
	if !c.armed.Before(deadline) {
		return nil
	}
	c.armed = deadline.Add(slack)
	if err := c.nc.SetDeadline(c.armed); err != nil {
		return err
	}
	return ctx.Err()
}

// roundTrip writes t's request, wire, and reads its response, its body up to
// maxBody. retry reports a failure that net/http would retry on a fresh
// connection: on a reused connection, either nothing was written, or
// nothing came back to a request that is safe to send twice.
func (c *wireConn) roundTrip(ctx context.Context, t *send.Prepared, wire []byte, deadline time.Time, slack time.Duration, maxBody int64) (resp response, retry bool, err error) {
	if err := c.arm(ctx, deadline, slack); err != nil {
		return resp, false, err
	}
	c.last = deadline
	if n, err := c.send(wire); err != nil {
		return resp, c.reused && n == 0, err
	}
	resp, err = readResponse(c.br, t.Head, maxBody)
	if err != nil {
		return resp, c.reused && !resp.started && t.Replayable, err
	}
	c.reused = true
	return resp, false, nil
}

// send writes a request, waiting for its answer when it can (rawIO.Send).
func (c *wireConn) send(p []byte) (int, error) {
	if c.raw == nil {
		return c.rw.Write(p)
	}
	n, err := c.raw.Send(p)
	if err != nil || n == len(p) {
		return n, err
	}
	m, err := c.raw.Write(p[n:]) // the socket's buffer filled
	return n + m, err
}

func (c *wireConn) close() {
	c.stop()
	c.nc.Close()
}
