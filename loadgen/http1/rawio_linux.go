package http1

import (
	"io"
	"net"
	"syscall"
)

// rawIO reads and writes a plain TCP connection with raw system calls
// inside the poller's callbacks. The socket is non-blocking, so neither
// call can block: making them raw spares the runtime's syscall bookkeeping
// (entersyscall and exitsyscall) on each of the two calls every request
// costs, and keeps the worker's P, where a blocking call would invite the
// runtime to hand it to another thread. Deadlines and the poller work as
// for net.Conn.
type rawIO struct {
	rc      syscall.RawConn
	p       []byte // the caller's buffer, during a call
	n       int
	err     error
	sent    bool                  // sendFn has written all of p
	readFn  func(fd uintptr) bool // made once, so that a call allocates nothing
	writeFn func(fd uintptr) bool
	sendFn  func(fd uintptr) bool
}

// newRawIO returns raw I/O for nc, or nil when nc is not plain TCP.
func newRawIO(nc net.Conn) *rawIO {
	tc, ok := nc.(*net.TCPConn)
	if !ok {
		return nil
	}
	rc, err := tc.SyscallConn()
	if err != nil {
		return nil
	}
	r := &rawIO{rc: rc}
	r.readFn, r.writeFn, r.sendFn = r.read, r.write, r.send
	return r
}

func (r *rawIO) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	r.p, r.n, r.err = p, 0, nil
	err := r.rc.Read(r.readFn)
	r.p = nil
	if err != nil {
		return 0, err // a deadline, or the connection closed under us
	}
	return r.n, r.err
}

// read is the poller's callback: false asks it to wait until the socket
// is readable and call again.
func (r *rawIO) read(fd uintptr) bool {
	for {
		n, errno := sysRead(fd, r.p)
		switch errno {
		case 0:
			r.n = int(n)
			if n == 0 {
				r.err = io.EOF
			}
			return true
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return false
		}
		r.err = &net.OpError{Op: "read", Net: "tcp", Err: errno}
		return true
	}
}

func (r *rawIO) Write(p []byte) (int, error) {
	r.p, r.n, r.err = p, 0, nil
	err := r.rc.Write(r.writeFn)
	r.p = nil
	if err == nil {
		err = r.err
	}
	return r.n, err
}

// write is the poller's callback; it writes all of p, waiting for room
// in the socket's buffer when a large body fills it.
func (r *rawIO) write(fd uintptr) bool {
	for r.n < len(r.p) {
		rest := r.p[r.n:]
		n, errno := sysWrite(fd, rest)
		switch errno {
		case 0:
			r.n += int(n)
			continue
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return false
		}
		r.err = &net.OpError{Op: "write", Net: "tcp", Err: errno}
		return true
	}
	return true
}

// Send writes a request and waits until its answer can be read, for a
// request that fits in the socket's buffer: it returns how much of p it
// wrote, all of it unless the buffer filled (the caller then writes the
// rest) or the write failed.
//
// A write followed by a read would find the socket empty, the server
// having had no time to answer: a system call wasted on every request.
// Sending inside the poller's read callback waits for the answer at once,
// and the wait is safe only there: the poller forgets the socket's past
// readiness when a read call begins, and here that happens before the
// write, so the answer's arrival cannot be forgotten.
func (r *rawIO) Send(p []byte) (int, error) {
	r.p, r.n, r.err, r.sent = p, 0, nil, false
	err := r.rc.Read(r.sendFn)
	r.p = nil
	if r.err != nil {
		return r.n, r.err
	}
	return r.n, err // a deadline while waiting, or the connection closed
}

// send is the poller's read callback for Send: the first call writes,
// and asks to wait when all was written; the next, once the socket is
// readable, ends the call, leaving the read to the reader.
func (r *rawIO) send(fd uintptr) bool {
	if r.sent {
		return true
	}
	if r.write(fd) && r.err == nil {
		r.sent = true
		return false
	}
	return true // a failure, or a full buffer: r.n < len(r.p)
}
