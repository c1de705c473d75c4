//go:build linux

// Command truthserver is an HTTP/1.1 server that measures, for every
// request, the latency a client should report, as a yardstick for the load
// generator's latency figures. On loopback a request lands in the server's
// socket while the client's write is still in progress, and the response
// lands in the client's socket before the server's write returns; so the
// kernel's receive timestamp of the request (SO_TIMESTAMPNS) and the time
// the response's write returns bound the request's true round trip, with
// none of the client's own delays in it: not before its write, and not
// between the response's arrival and the client's read.
//
// It answers every request with "hello\n", and when stopped (SIGINT,
// SIGTERM, or after -d) prints the count and percentiles of those
// latencies. It is not part of strain: scripts/bench-latency.sh runs it
// under wrk and strain and compares their percentiles with its own.
//
//	truthserver -addr 127.0.0.1:18083 -d 5s
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"slices"
	"sync"
	"syscall"
	"time"
	"unsafe"
)

var response = []byte("HTTP/1.1 200 OK\r\nContent-Length: 6\r\nContent-Type: text/plain\r\n\r\nhello\n")

func main() {
	addr := flag.String("addr", "127.0.0.1:18083", "address to listen on")
	dur := flag.Duration("d", time.Minute, "stop after this long")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, *dur)
	defer cancel()
	ln, err := listen(*addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "truthserver:", err)
		os.Exit(2)
	}
	fmt.Println("listening", ln.Addr())
	lat, unstamped := serve(ctx, ln)
	fmt.Println(summary(lat))
	if unstamped > 0 {
		// The kernel turns receive timestamps on a moment after they are
		// asked for: requests in that moment are answered, not measured.
		fmt.Printf("unstamped %d (answered before the kernel's timestamps were on; not measured)\n", unstamped)
	}
}

// listen listens on addr with receive timestamps on, which the accepted
// connections inherit: set on each one after it is accepted, they would
// miss a first request sent at once.
func listen(addr string) (net.Listener, error) {
	lc := net.ListenConfig{Control: func(_, _ string, rc syscall.RawConn) error {
		var err error
		if cerr := rc.Control(func(fd uintptr) {
			err = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_TIMESTAMPNS, 1)
		}); cerr != nil {
			return cerr
		}
		return err
	}}
	return lc.Listen(context.Background(), "tcp", addr)
}

// latencies collects every connection's measurements.
type latencies struct {
	mu        sync.Mutex
	all       []time.Duration
	unstamped int
}

func (l *latencies) add(d []time.Duration, unstamped int) {
	l.mu.Lock()
	l.all = append(l.all, d...)
	l.unstamped += unstamped
	l.mu.Unlock()
}

// serve answers connections on ln until ctx ends and returns the latency
// of every request answered with a kernel timestamp, and how many were
// answered without one.
func serve(ctx context.Context, ln net.Listener) ([]time.Duration, int) {
	var l latencies
	var wg sync.WaitGroup
	context.AfterFunc(ctx, func() { ln.Close() })
	for {
		c, err := ln.Accept()
		if err != nil {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			stop := context.AfterFunc(ctx, func() { c.Close() })
			defer stop()
			l.add(answer(c.(*net.TCPConn)))
			c.Close()
		}()
	}
	wg.Wait()
	return l.all, l.unstamped
}

// answer serves one connection until it closes and returns the latency of
// each request it answered with a kernel timestamp, and how many it
// answered without one.
func answer(c *net.TCPConn) (lat []time.Duration, unstamped int) {
	rc, err := c.SyscallConn()
	if err != nil {
		return nil, 0
	}
	buf := make([]byte, 0, 4096)
	oob := make([]byte, 128)
	for {
		arrived, n, err := receive(rc, buf[len(buf):cap(buf)], oob)
		if err != nil || n == 0 {
			return lat, unstamped
		}
		buf = buf[:len(buf)+n]
		for {
			end := bytes.Index(buf, []byte("\r\n\r\n"))
			if end < 0 {
				break
			}
			// Requests without bodies only: GET, as the benchmarks send.
			buf = buf[:copy(buf, buf[end+4:])]
			if _, err := c.Write(response); err != nil {
				return lat, unstamped
			}
			if arrived.IsZero() {
				unstamped++
			} else {
				lat = append(lat, time.Since(arrived))
			}
		}
		if len(buf) == cap(buf) {
			return lat, unstamped // a request head past 4 KiB: not what the benchmarks send
		}
	}
}

// receive reads into p and returns the kernel's receive timestamp of the
// data read (the zero time when the kernel gave none).
func receive(rc syscall.RawConn, p, oob []byte) (time.Time, int, error) {
	var n, oobn int
	var rerr error
	err := rc.Read(func(fd uintptr) bool {
		n, oobn, _, _, rerr = syscall.Recvmsg(int(fd), p, oob, 0)
		return !errors.Is(rerr, syscall.EAGAIN)
	})
	if err == nil {
		err = rerr
	}
	if err != nil {
		return time.Time{}, 0, err
	}
	return stamp(oob[:oobn]), n, nil
}

// stamp returns the SCM_TIMESTAMPNS time among control messages b.
func stamp(b []byte) time.Time {
	msgs, err := syscall.ParseSocketControlMessage(b)
	if err != nil {
		return time.Time{}
	}
	for _, m := range msgs {
		if m.Header.Level == syscall.SOL_SOCKET && m.Header.Type == syscall.SCM_TIMESTAMPNS && len(m.Data) >= int(unsafe.Sizeof(syscall.Timespec{})) {
			ts := (*syscall.Timespec)(unsafe.Pointer(&m.Data[0]))
			return time.Unix(ts.Unix())
		}
	}
	return time.Time{}
}

// summary is one line: the count and percentiles of lat.
func summary(lat []time.Duration) string {
	if len(lat) == 0 {
		return "requests 0"
	}
	slices.Sort(lat)
	q := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) }
	return fmt.Sprintf("requests %d p50-us %.0f p90-us %.0f p99-us %.0f p999-us %.0f", len(lat), q(0.50), q(0.90), q(0.99), q(0.999))
}
