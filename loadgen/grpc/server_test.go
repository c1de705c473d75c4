package grpc

import (
	"context"
	"net"
	"sync/atomic"
	"testing"

	"github.com/bufbuild/protocompile"
	"github.com/bufbuild/protocompile/linker"
	ggrpc "google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/reflection"
	rpb "google.golang.org/grpc/reflection/grpc_reflection_v1"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"
)

// echo is a real grpc-go server of testdata/echo.proto, its messages
// dynamic: the server's own count of calls is the truth a test checks.
type echo struct {
	addr  string
	calls atomic.Int64
	svc   protoreflect.ServiceDescriptor
}

// compileEcho compiles testdata/echo.proto.
func compileEcho(t testing.TB) linker.Resolver {
	t.Helper()
	c := protocompile.Compiler{Resolver: protocompile.WithStandardImports(&protocompile.SourceResolver{ImportPaths: []string{"testdata"}})}
	files, err := c.Compile(context.Background(), "echo.proto")
	if err != nil {
		t.Fatal(err)
	}
	return files.AsResolver()
}

// startEcho serves Echo on loopback, with the reflection service when
// reflect is set, until the test ends.
func startEcho(t testing.TB, reflect bool) *echo {
	t.Helper()
	res := compileEcho(t)
	d, err := res.FindDescriptorByName("strain.echo.Echo")
	if err != nil {
		t.Fatal(err)
	}
	e := &echo{svc: d.(protoreflect.ServiceDescriptor)}
	s := ggrpc.NewServer()
	s.RegisterService(e.desc(), e)
	if reflect {
		rpb.RegisterServerReflectionServer(s, reflection.NewServerV1(reflection.ServerOptions{Services: s, DescriptorResolver: res}))
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go s.Serve(ln)
	t.Cleanup(s.Stop)
	e.addr = ln.Addr().String()
	return e
}

func (e *echo) method(name string) protoreflect.MethodDescriptor {
	return e.svc.Methods().ByName(protoreflect.Name(name))
}

// desc is the service's description for grpc-go, its handlers decoding
// into dynamic messages.
func (e *echo) desc() *ggrpc.ServiceDesc {
	unary := func(name string, answer func(req *dynamicpb.Message) (*dynamicpb.Message, error)) ggrpc.MethodDesc {
		return ggrpc.MethodDesc{MethodName: name, Handler: func(_ any, _ context.Context, dec func(any) error, _ ggrpc.UnaryServerInterceptor) (any, error) {
			e.calls.Add(1)
			req := dynamicpb.NewMessage(e.method(name).Input())
			if err := dec(req); err != nil {
				return nil, err
			}
			return answer(req)
		}}
	}
	return &ggrpc.ServiceDesc{
		ServiceName: "strain.echo.Echo",
		HandlerType: (*any)(nil),
		Methods: []ggrpc.MethodDesc{
			unary("Say", func(req *dynamicpb.Message) (*dynamicpb.Message, error) { return e.reply(req, 1), nil }),
			unary("Fail", func(req *dynamicpb.Message) (*dynamicpb.Message, error) {
				c, err := ParseCode(field(req, "key").String())
				if err != nil {
					c = Unknown
				}
				return nil, status.Error(codes.Code(c), "as asked")
			}),
		},
		Streams: []ggrpc.StreamDesc{{StreamName: "Stream", ServerStreams: true, Handler: func(_ any, ss ggrpc.ServerStream) error {
			e.calls.Add(1)
			req := dynamicpb.NewMessage(e.method("Stream").Input())
			if err := ss.RecvMsg(req); err != nil {
				return err
			}
			for i := range field(req, "count").Int() {
				if err := ss.SendMsg(e.reply(req, int32(i+1))); err != nil {
					return err
				}
			}
			return nil
		}}, {StreamName: "Upload", ClientStreams: true, Handler: func(any, ggrpc.ServerStream) error { return nil }}},
	}
}

func field(m *dynamicpb.Message, name string) protoreflect.Value {
	return m.Get(m.Descriptor().Fields().ByName(protoreflect.Name(name)))
}

func (e *echo) reply(req *dynamicpb.Message, n int32) *dynamicpb.Message {
	out := dynamicpb.NewMessage(e.method("Say").Output())
	fs := out.Descriptor().Fields()
	out.Set(fs.ByName("key"), field(req, "key"))
	out.Set(fs.ByName("n"), protoreflect.ValueOfInt32(n))
	return out
}
