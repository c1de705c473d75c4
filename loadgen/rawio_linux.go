package loadgen

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
	readFn  func(fd uintptr) bool // made once, so that a call allocates nothing
	writeFn func(fd uintptr) bool
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
	r.readFn, r.writeFn = r.read, r.write
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
