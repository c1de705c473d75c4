package loadgen

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/strain-dev/strain/loadgen/grpc"
	"github.com/strain-dev/strain/loadgen/template"
)

// GRPCStatus is how a call's status is counted in Counts.Status: its code
// plus one, so that OK is not the zero of no response (grpc.Counted).
func GRPCStatus(c grpc.Code) int { return grpc.Counted(c) }

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

// ParseOK reads --ok-status: HTTP statuses ("200-299,404"), or for gRPC
// calls the names of codes counted as success besides OK ("NOT_FOUND").
func ParseOK(s string, isGRPC bool) (StatusSet, error) {
	if !isGRPC {
		return ParseStatusSet(s)
	}
	codes, err := grpc.ParseCodes(s)
	return GRPCOK(codes...), err
}

// GRPC reports whether the run's targets are gRPC calls (Request.Calls').
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

// Calls are the targets of gRPC calls, one per grpc:// or grpcs:// URL:
// each method resolved (by reflection, or r.Descriptors' .proto files)
// and r's body, its message in JSON, encoded once as the method's input.
// r.Header is the calls' metadata; timeout is sent as grpc-timeout, unless
// r.Header gives one. A server that cannot be reached for its reflection
// is a *grpc.UnreachableError.
func (r Request) Calls(ctx context.Context, urls []string, timeout time.Duration) ([]Target, error) {
	if r.TargetsFile != "" {
		return nil, errors.New("a targets file (-f) holds HTTP requests, not gRPC calls")
	}
	message, header, tpl, err := r.parts()
	if err != nil {
		return nil, err
	}
	var targets []Target
	for _, raw := range urls {
		t, err := grpc.ParseURL(raw)
		if err != nil {
			return nil, err
		}
		m, err := grpc.Resolve(ctx, t, r.Descriptors)
		if err != nil {
			return nil, err
		}
		target := Target{Method: http.MethodPost, URL: m.Scheme() + "://" + m.Addr + m.Path(), Header: header.Clone(), grpc: true}
		if target.Body, err = frameFor(m, message, tpl); err != nil {
			return nil, fmt.Errorf("--body: %w", err)
		}
		if !tpl.Static() {
			target.call = m
		}
		for _, h := range grpc.Headers() {
			target.Header[h[0]] = []string{h[1]}
		}
		if _, given := target.Header["grpc-timeout"]; !given && timeout > 0 {
			target.Header["grpc-timeout"] = []string{grpcTimeout(timeout)}
		}
		targets = append(targets, target)
	}
	if len(targets) == 0 {
		return nil, errors.New("no gRPC method to call")
	}
	return targets, nil
}

// frameFor is a call's body: the message framed once when it is fixed
// (its {{env}} values filled in; none is the empty message); or, when it
// varies, its template's JSON, to be filled and framed call by call,
// checked here as the first call fills it.
func frameFor(m *grpc.Method, message []byte, tpl *template.Template) ([]byte, error) {
	if tpl.Static() {
		if message == nil {
			return m.Frame(nil)
		}
		return m.Frame([]byte(tpl.String()))
	}
	if _, err := m.AppendFrame(nil, tpl.Append(nil, template.NewFiller())); err != nil {
		return nil, fmt.Errorf("%w (as the first call fills it)", err)
	}
	return message, nil
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
