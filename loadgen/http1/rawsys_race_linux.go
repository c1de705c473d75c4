//go:build linux && race

package http1

import "syscall"

// Under the race detector the wire path reads and writes through package
// syscall, whose Read and Write tell the detector that a write to a socket
// happens before the read that sees it, as they do for net.Conn; raw
// system calls would leave it blind to that, and it would report races
// between a server and the client that read its answer.

func sysRead(fd uintptr, p []byte) (int, syscall.Errno) { return errno(syscall.Read(int(fd), p)) }

func sysWrite(fd uintptr, p []byte) (int, syscall.Errno) { return errno(syscall.Write(int(fd), p)) }

func errno(n int, err error) (int, syscall.Errno) {
	if err != nil {
		return 0, err.(syscall.Errno)
	}
	return n, 0
}
