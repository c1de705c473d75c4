package loadgen

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/strain-dev/strain/loadgen/grpc"
)

// A gRPC call goes on the HTTP/2 fast path as a POST of its framed message
// (package grpc). Its status is the grpc-status its trailers carry (or its
// headers, in a trailers-only response), and the messages it streams back
// are counted as they arrive.

// GRPCStatus is how a call's status is counted in Counts.Status: its code
// plus one, so that OK is not the zero of no response. A code past the
// specification's counts as UNKNOWN, as grpc-go takes it.
func GRPCStatus(c grpc.Code) int {
	if c > grpc.Unauthenticated {
		c = grpc.Unknown
	}
	return int(c) + 1
}

// StatusName names a counted status as a report does: "200", or for a
// run of gRPC calls the code's name, "UNAVAILABLE".
func StatusName(status int, isGRPC bool) string {
	if isGRPC && status >= 1 && status <= GRPCStatus(grpc.Unauthenticated) {
		return grpc.Code(status - 1).String()
	}
	return strconv.Itoa(status)
}

// GRPCOK is the statuses counted as success for gRPC calls: OK and codes.
func GRPCOK(codes ...grpc.Code) StatusSet {
	set := StatusSet{ranges: [][2]int{{GRPCStatus(grpc.OK), GRPCStatus(grpc.OK)}}}
	for _, c := range codes {
		s := GRPCStatus(c)
		set.ranges = append(set.ranges, [2]int{s, s})
	}
	return set
}

// httpToGRPC is the code of a response with no grpc-status, from its HTTP
// status, as the gRPC specification maps them.
func httpToGRPC(status int) grpc.Code {
	switch status {
	case http.StatusOK:
		return grpc.Internal // the server ended the call without a status
	case http.StatusBadRequest:
		return grpc.Internal
	case http.StatusUnauthorized:
		return grpc.Unauthenticated
	case http.StatusForbidden:
		return grpc.PermissionDenied
	case http.StatusNotFound:
		return grpc.Unimplemented
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return grpc.Unavailable
	}
	return grpc.Unknown
}

// grpcCall is a stream's gRPC state for the call in flight: the messages
// so far, and the status once read.
type grpcCall struct {
	on        bool // the request in flight is a gRPC call
	msgs      grpc.Messages
	code      grpc.Code
	sawStatus bool
}

// reset readies the state for the next request, a gRPC call or not.
func (g *grpcCall) reset(on bool) {
	g.on, g.code, g.sawStatus = on, grpc.OK, false
	g.msgs.Reset()
}

// status is the call's counted status, given the response's HTTP status.
func (g *grpcCall) status(httpStatus int) int {
	if g.sawStatus {
		return GRPCStatus(g.code)
	}
	return GRPCStatus(httpToGRPC(httpStatus))
}

// GRPC reports whether the run's targets are gRPC calls (GRPCCalls').
func (c Config) GRPC() bool { return len(c.Targets) > 0 && c.Targets[0].grpc }

// grpcDefaults sets what a run of gRPC calls needs: HTTP/2, and OK as the
// status of success unless OKStatus (made by GRPCOK) says more. gRPC
// calls and HTTP requests do not mix in one run.
func (c *Config) grpcDefaults() error {
	for _, t := range c.Targets {
		if t.grpc != c.GRPC() {
			return errors.New("gRPC calls and HTTP requests cannot be sent in one run")
		}
	}
	if c.GRPC() {
		c.HTTP2 = true
		if c.OKStatus.ranges == nil {
			c.OKStatus = GRPCOK()
		}
	}
	return nil
}

// GRPCCalls are the targets of a run of gRPC calls: one per URL, each
// resolved (by reflection or d's .proto files) and its message, JSON,
// encoded once. header is -H's metadata; timeout is sent as grpc-timeout.
func GRPCCalls(ctx context.Context, urls []string, message []byte, header []string, d grpc.Descriptors, timeout time.Duration) ([]Target, error) {
	var targets []Target
	for _, raw := range urls {
		t, err := grpc.ParseURL(raw)
		if err != nil {
			return nil, err
		}
		m, err := grpc.Resolve(ctx, t, d)
		if err != nil {
			return nil, err
		}
		body, err := m.Frame(message)
		if err != nil {
			return nil, fmt.Errorf("--body: %w", err)
		}
		target := Target{Method: http.MethodPost, URL: m.Scheme() + "://" + m.Addr + m.Path(), Header: http.Header{}, Body: body, grpc: true}
		for _, h := range header {
			name, value, err := ParseHeader(h)
			if err != nil {
				return nil, fmt.Errorf("-H: %w", err)
			}
			target.Header[name] = append(target.Header[name], value)
		}
		for _, h := range grpc.Headers() {
			target.Header[h[0]] = []string{h[1]}
		}
		if timeout > 0 {
			target.Header["grpc-timeout"] = []string{grpcTimeout(timeout)}
		}
		targets = append(targets, target)
	}
	if len(targets) == 0 {
		return nil, errors.New("no gRPC method to call")
	}
	return targets, nil
}

// grpcTimeout is d as a grpc-timeout value: at most 8 digits, in the
// finest unit that holds it.
func grpcTimeout(d time.Duration) string {
	for _, u := range []struct {
		unit string
		size time.Duration
	}{{"n", time.Nanosecond}, {"u", time.Microsecond}, {"m", time.Millisecond}, {"S", time.Second}, {"M", time.Minute}, {"H", time.Hour}} {
		if v := (d + u.size - 1) / u.size; v < 1e8 {
			return strconv.FormatInt(int64(v), 10) + u.unit
		}
	}
	return "99999999H"
}
