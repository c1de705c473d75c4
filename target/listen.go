package target

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"time"
)

// DefaultAddr is where ListenAndServe listens when given no address.
const DefaultAddr = "127.0.0.1:8080"

// shutdownGrace bounds how long a graceful shutdown waits for requests in
// flight, such as a 60 s /slow, before closing their connections.
const shutdownGrace = 2 * time.Second

// ListenAndServe runs a Server with zero Options on addr until ctx is done.
// See (*Server).ListenAndServe.
func ListenAndServe(ctx context.Context, addr string, ready func(net.Addr)) error {
	return New(Options{}).ListenAndServe(ctx, addr, ready)
}

// ListenAndServe listens on addr (DefaultAddr when empty; loopback when
// it names no host, as ":8080" does, since the demo's endpoints stall and
// leak on request: "0.0.0.0:8080" serves every interface) and, once
// listening, calls ready, if not nil, with the bound address, so that a
// caller given port 0 can learn the real one. It serves until ctx is done,
// then ends any stall, shuts down gracefully within a bounded time, and
// calls Close. It returns nil after ctx is done, or the error that stopped
// it earlier.
func (s *Server) ListenAndServe(ctx context.Context, addr string, ready func(net.Addr)) error {
	addr = listenAddr(addr)
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	hs := &http.Server{
		Handler: s.Handler(),
		// No ReadTimeout or WriteTimeout: /slow and stalls hold responses
		// for minutes by design.
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		// net/http logs connection errors; the service must log nothing
		// per request.
		ErrorLog: log.New(io.Discard, "", 0),
	}
	if ready != nil {
		ready(ln.Addr())
	}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()

	select {
	case err := <-served:
		s.Close()
		return fmt.Errorf("serve on %s: %w", ln.Addr(), err)
	case <-ctx.Done():
	}
	// A stall would hold every request in flight past the grace period.
	s.Stall(0)
	err = shutdown(hs)
	s.Close()
	return err
}

// listenAddr is addr as ListenAndServe listens on it: DefaultAddr when empty,
// and on loopback when it names a port but no host.
func listenAddr(addr string) string {
	if addr == "" {
		return DefaultAddr
	}
	if host, port, err := net.SplitHostPort(addr); err == nil && host == "" {
		return net.JoinHostPort("127.0.0.1", port)
	}
	return addr
}

// shutdown stops hs gracefully, closing it outright if requests in flight
// outlast shutdownGrace; that is the expected end of a long /slow, not an
// error.
func shutdown(hs *http.Server) error {
	ctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	err := hs.Shutdown(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		err = hs.Close()
	}
	if err != nil {
		return fmt.Errorf("shut down server: %w", err)
	}
	return nil
}
