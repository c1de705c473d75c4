package grpc

import (
	"context"
	"errors"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/strain-dev/strain/loadgen/grpc/grpctest"
	"google.golang.org/protobuf/reflect/protoreflect"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/dynamicpb"
)

func TestParseURL(t *testing.T) {
	good, err := ParseURL("grpcs://127.0.0.1:8443/strain.echo.Echo/Say")
	if err != nil || good.Addr != "127.0.0.1:8443" || !good.TLS || good.Service != "strain.echo.Echo" || good.Method != "Say" || good.Path() != "/strain.echo.Echo/Say" {
		t.Fatalf("ParseURL = %+v, %v", good, err)
	}
	for _, bad := range []string{
		"http://127.0.0.1:1/a.B/C", "grpc://127.0.0.1/a.B/C", "grpc://127.0.0.1:1/a.B", "grpc://127.0.0.1:1/a.B/",
		"grpc://127.0.0.1:1//C", "grpc://127.0.0.1:1/a.B/C?x=1", "grpc://u:p@127.0.0.1:1/a.B/C",
	} {
		if _, err := ParseURL(bad); err == nil {
			t.Errorf("ParseURL(%q) took it", bad)
		}
	}
}

// The method is found by the server's reflection and by the .proto file
// alike, with the same types, a well-known import included.
func TestResolve(t *testing.T) {
	e := grpctest.Start(t, true)
	target := func(m string) Target { return Target{Addr: e.Addr, Service: "strain.echo.Echo", Method: m} }
	ctx := context.Background()
	for name, d := range map[string]Descriptors{
		"reflection": {},
		"proto":      {ProtoFiles: []string{e.Proto}, ImportPaths: []string{filepath.Dir(e.Proto)}},
	} {
		t.Run(name, func(t *testing.T) {
			m, err := Resolve(ctx, target("Stream"), d)
			if err != nil {
				t.Fatal(err)
			}
			if _, server := m.Streaming(); !server || m.Desc.Input().FullName() != "strain.echo.EchoRequest" {
				t.Errorf("Stream: server streaming %v, input %s", server, m.Desc.Input().FullName())
			}
			b, err := m.Frame([]byte(`{"key": "user-7", "count": 3, "at": "2026-12-07T07:00:00Z"}`))
			if err != nil {
				t.Fatal(err)
			}
			got := dynamicpb.NewMessage(m.Desc.Input())
			if int(b[1])<<24|int(b[2])<<16|int(b[3])<<8|int(b[4]) != len(b)-prefixLen || b[0] != 0 {
				t.Fatalf("prefix %v for a %d-byte message", b[:prefixLen], len(b)-prefixLen)
			}
			if err := proto.Unmarshal(b[prefixLen:], got); err != nil || field(got, "key").String() != "user-7" || field(got, "count").Int() != 3 {
				t.Errorf("framed message decodes to %v, %v", got, err)
			}
			for bad, want := range map[string]string{
				`{"key": 7}`:     "EchoRequest",
				`{"nope": "x"}`:  "nope",
				`{"key": "x"`:    "EchoRequest",
				`{"count": "x"}`: "count",
			} {
				if _, err := m.Frame([]byte(bad)); err == nil || !strings.Contains(err.Error(), want) {
					t.Errorf("Frame(%s) = %v, want an error naming %q", bad, err, want)
				}
			}
			if _, err := Resolve(ctx, target("Shout"), d); err == nil || !strings.Contains(err.Error(), "has no method Shout (it has Say, Stream, Fail, Sleep, Upload)") {
				t.Errorf("unknown method: %v", err)
			}
			if _, err := Resolve(ctx, target("Upload"), d); err == nil || !strings.Contains(err.Error(), "streams from the client") {
				t.Errorf("client streaming: %v", err)
			}
			other := target("Say")
			other.Service = "strain.echo.Nothing"
			if _, err := Resolve(ctx, other, d); err == nil || !strings.Contains(err.Error(), "strain.echo.Nothing") {
				t.Errorf("unknown service: %v", err)
			}
		})
	}
}

// A server without reflection says to give the .proto; one that is not
// there is unreachable.
func TestResolveFailures(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	bare := grpctest.Start(t, false)
	_, err := Resolve(ctx, Target{Addr: bare.Addr, Service: "strain.echo.Echo", Method: "Say"}, Descriptors{})
	if err == nil || !strings.Contains(err.Error(), "--proto") {
		t.Errorf("no reflection: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gone := ln.Addr().String()
	ln.Close()
	_, err = Resolve(ctx, Target{Addr: gone, Service: "strain.echo.Echo", Method: "Say"}, Descriptors{})
	var unreachable *UnreachableError
	if !errors.As(err, &unreachable) {
		t.Errorf("closed port: %v, want an UnreachableError", err)
	}
	_, err = Resolve(ctx, Target{Addr: gone, Service: "strain.echo.Echo", Method: "Say"}, Descriptors{ProtoFiles: []string{"testdata/missing.proto"}})
	if err == nil || !strings.Contains(err.Error(), "missing.proto") {
		t.Errorf("missing proto: %v", err)
	}
}

// field is a dynamic message's field by name.
func field(m *dynamicpb.Message, name string) protoreflect.Value {
	return m.Get(m.Descriptor().Fields().ByName(protoreflect.Name(name)))
}
