//go:build linux && !race

package http1

import (
	"syscall"
	"unsafe"
)

// sysRead is read(2) as a raw system call: the socket is non-blocking,
// so the call cannot block and needs none of the runtime's bookkeeping.
func sysRead(fd uintptr, p []byte) (int, syscall.Errno) {
	n, _, errno := syscall.RawSyscall(syscall.SYS_READ, fd, uintptr(unsafe.Pointer(unsafe.SliceData(p))), uintptr(len(p)))
	return int(n), errno
}

// sysWrite is write(2) as a raw system call, like sysRead.
func sysWrite(fd uintptr, p []byte) (int, syscall.Errno) {
	n, _, errno := syscall.RawSyscall(syscall.SYS_WRITE, fd, uintptr(unsafe.Pointer(unsafe.SliceData(p))), uintptr(len(p)))
	return int(n), errno
}
