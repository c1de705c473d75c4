//go:build linux

// Command floorclient is the least work an HTTP/1.1 client can do per
// request on Linux, as a yardstick for the load generator's benchmarks: one
// thread, one epoll set, and per request one write and one read, with no
// timeouts, no latency recording and no parsing beyond the response's
// framing by Content-Length. It keeps -c requests in flight for -d and
// prints how many responses came back whole.
//
// It is not part of strain. scripts/bench-pinned.sh runs it beside wrk and
// strain: a generator that does less than this cannot exist, so when all
// three reach the same throughput, the ceiling is the target's.
//
//	floorclient -c 50 -d 5s 127.0.0.1:8080
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"syscall"
	"time"
)

func main() {
	conns := flag.Int("c", 50, "connections, each with one request in flight")
	dur := flag.Duration("d", 5*time.Second, "how long to send")
	flag.Parse()
	if flag.NArg() != 1 || *conns < 1 || *dur <= 0 {
		fmt.Fprintln(os.Stderr, "usage: floorclient [-c N] [-d D] IPv4:PORT")
		os.Exit(2)
	}
	addr, err := netip.ParseAddrPort(flag.Arg(0))
	if err != nil || !addr.Addr().Is4() {
		fmt.Fprintln(os.Stderr, "floorclient: the target must be IPv4:PORT")
		os.Exit(2)
	}
	n, elapsed, err := run(addr, *conns, *dur)
	if err != nil {
		fmt.Fprintln(os.Stderr, "floorclient:", err)
		os.Exit(1)
	}
	fmt.Printf("requests %d seconds %.3f req/s %.0f\n", n, elapsed.Seconds(), float64(n)/elapsed.Seconds())
}

// epollET is EPOLLET as the uint32 the event's mask is; package syscall
// declares it as a negative int.
const epollET = 1 << 31

// conn is one connection and the bytes of the response read so far.
type conn struct {
	fd  int
	buf []byte
}

// run keeps conns GET requests in flight against addr for dur and returns
// how many responses came back whole, and over how long.
func run(addr netip.AddrPort, conns int, dur time.Duration) (int64, time.Duration, error) {
	req := []byte("GET / HTTP/1.1\r\nHost: " + addr.String() + "\r\n\r\n")
	ep, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return 0, 0, err
	}
	defer syscall.Close(ep)
	cs := make([]conn, conns)
	for i := range cs {
		fd, err := dial(addr)
		if err != nil {
			return 0, 0, err
		}
		defer syscall.Close(fd)
		cs[i] = conn{fd: fd, buf: make([]byte, 0, 4096)}
		ev := syscall.EpollEvent{Events: syscall.EPOLLIN | syscall.EPOLLRDHUP | epollET, Fd: int32(i)}
		if err := syscall.EpollCtl(ep, syscall.EPOLL_CTL_ADD, fd, &ev); err != nil {
			return 0, 0, err
		}
	}
	start := time.Now()
	end := start.Add(dur)
	for i := range cs {
		if _, err := syscall.Write(cs[i].fd, req); err != nil {
			return 0, 0, err
		}
	}
	var done int64
	evs := make([]syscall.EpollEvent, 256)
	for time.Now().Before(end) {
		k, err := syscall.EpollWait(ep, evs, 10)
		if err != nil && err != syscall.EINTR {
			return done, time.Since(start), err
		}
		for _, ev := range evs[:max(k, 0)] {
			c := &cs[ev.Fd]
			n, err := c.drain()
			if err != nil {
				return done, time.Since(start), err
			}
			done += int64(n)
			for range n {
				if _, err := syscall.Write(c.fd, req); err != nil {
					return done, time.Since(start), err
				}
			}
		}
	}
	return done, time.Since(start), nil
}

// dial connects a blocking socket to addr, then makes it non-blocking.
func dial(addr netip.AddrPort) (int, error) {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return 0, err
	}
	if err := syscall.Connect(fd, &syscall.SockaddrInet4{Port: int(addr.Port()), Addr: addr.Addr().As4()}); err != nil {
		syscall.Close(fd)
		return 0, err
	}
	if err := syscall.SetsockoptInt(fd, syscall.IPPROTO_TCP, syscall.TCP_NODELAY, 1); err != nil {
		syscall.Close(fd)
		return 0, err
	}
	return fd, syscall.SetNonblock(fd, true)
}

// drain reads what the socket holds (the set is edge-triggered) and
// returns how many whole responses that completed.
func (c *conn) drain() (int, error) {
	var n int
	for {
		if len(c.buf) == cap(c.buf) {
			c.buf = append(c.buf, 0)[:len(c.buf)]
		}
		m, err := syscall.Read(c.fd, c.buf[len(c.buf):cap(c.buf)])
		if err == syscall.EAGAIN {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		if m == 0 {
			return n, errors.New("the server closed a connection")
		}
		c.buf = c.buf[:len(c.buf)+m]
		for {
			size, err := framed(c.buf)
			if err != nil {
				return n, err
			}
			if size == 0 {
				break
			}
			c.buf = c.buf[:copy(c.buf, c.buf[size:])]
			n++
		}
	}
}

// framed returns the length of the whole response at the start of b, or
// 0 when b does not hold all of it yet.
func framed(b []byte) (int, error) {
	head := bytes.Index(b, []byte("\r\n\r\n"))
	if head < 0 {
		return 0, nil
	}
	const key = "content-length:"
	for line := range bytes.SplitSeq(b[:head], []byte("\r\n")) {
		if len(line) < len(key) || !bytes.EqualFold(line[:len(key)], []byte(key)) {
			continue
		}
		size, err := strconv.Atoi(string(bytes.TrimSpace(line[len(key):])))
		if err != nil || size < 0 {
			return 0, fmt.Errorf("bad Content-Length in %q", line)
		}
		if len(b) < head+4+size {
			return 0, nil
		}
		return head + 4 + size, nil
	}
	return 0, errors.New("a response without Content-Length")
}
