//go:build !linux

package http1

import "syscall"

// idleProbe is Linux only; elsewhere a connection the server closed while
// idle fails its next request, retried when it is safe to send twice.
type idleProbe struct{}

func newIdleProbe(syscall.RawConn) *idleProbe { return nil }

func (p *idleProbe) closed() bool { return false }
