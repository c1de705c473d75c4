package grpc

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"
)

// Target is a gRPC method to call, as its URL names it:
// grpc://HOST:PORT/package.Service/Method, or grpcs:// for TLS.
type Target struct {
	Addr    string // host:port
	TLS     bool
	Service string // package.Service
	Method  string // Method
}

// IsURL reports whether raw names a gRPC target by its scheme.
func IsURL(raw string) bool {
	return strings.HasPrefix(raw, "grpc://") || strings.HasPrefix(raw, "grpcs://")
}

// ParseURL reads a gRPC target's URL.
func ParseURL(raw string) (Target, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return Target{}, err
	}
	t := Target{Addr: u.Host, TLS: u.Scheme == "grpcs"}
	if u.Scheme != "grpc" && !t.TLS {
		return t, fmt.Errorf("%s: a gRPC target's scheme is grpc:// or grpcs://", raw)
	}
	if _, _, err := net.SplitHostPort(u.Host); err != nil {
		return t, fmt.Errorf("%s: want grpc://HOST:PORT/package.Service/Method", raw)
	}
	path := strings.Trim(u.Path, "/")
	i := strings.LastIndexByte(path, '/')
	if i <= 0 || i == len(path)-1 || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return t, fmt.Errorf("%s: want grpc://HOST:PORT/package.Service/Method", raw)
	}
	t.Service, t.Method = path[:i], path[i+1:]
	return t, nil
}

// Path is the method's HTTP/2 :path, "/package.Service/Method".
func (t Target) Path() string { return "/" + t.Service + "/" + t.Method }

// Scheme is the HTTP/2 :scheme the call is made with.
func (t Target) Scheme() string {
	if t.TLS {
		return "https"
	}
	return "http"
}

// Method is a resolved method: its target and its descriptor.
type Method struct {
	Target
	Desc protoreflect.MethodDescriptor
}

// Streaming says which sides of the call stream.
func (m *Method) Streaming() (client, server bool) {
	return m.Desc.IsStreamingClient(), m.Desc.IsStreamingServer()
}

// check refuses what strain cannot call: a client-streaming method.
func (m *Method) check() error {
	if client, _ := m.Streaming(); client {
		return fmt.Errorf("%s streams from the client: strain calls unary and server-streaming methods", m.Path())
	}
	return nil
}

// AppendFrame appends the framed message of jsonMsg to dst, as Frame
// makes it: for a message filled call by call from a template.
func (m *Method) AppendFrame(dst, jsonMsg []byte) ([]byte, error) {
	in := m.Desc.Input()
	msg := dynamicpb.NewMessage(in)
	if err := protojson.Unmarshal(jsonMsg, msg); err != nil {
		return dst, fmt.Errorf("the message does not match %s: %w", in.FullName(), unwrapProto(err))
	}
	start := len(dst)
	dst = append(dst, 0, 0, 0, 0, 0)
	dst, err := proto.MarshalOptions{}.MarshalAppend(dst, msg)
	if err != nil {
		return dst[:start], fmt.Errorf("encode %s: %w", in.FullName(), err)
	}
	binary.BigEndian.PutUint32(dst[start+1:start+prefixLen], uint32(len(dst)-start-prefixLen))
	return dst, nil
}

// Frame encodes a request message given as JSON (protojson's mapping; ""
// is the empty message) as the method's input type, with its prefix: a
// request body, ready to send as it is.
func (m *Method) Frame(jsonMsg []byte) ([]byte, error) {
	if len(bytes.TrimSpace(jsonMsg)) == 0 {
		jsonMsg = []byte("{}") // none is the empty message
	}
	return m.AppendFrame(nil, jsonMsg)
}

// unwrapProto drops protojson's "proto: " prefix from its errors.
func unwrapProto(err error) error {
	return errors.New(strings.TrimPrefix(err.Error(), "proto: "))
}

// Headers are the call's request headers besides the pseudo-headers:
// what every gRPC request carries.
func Headers() [][2]string {
	return [][2]string{{"content-type", "application/grpc"}, {"te", "trailers"}}
}
