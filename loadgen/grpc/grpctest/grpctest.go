// Package grpctest serves echo.proto's Echo service from a real grpc-go
// server on loopback, for tests of gRPC calls: its messages are dynamic,
// its reflection optional, and its own count of calls the truth a test
// checks strain's against.
package grpctest

import (
	"context"
	"net"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"time"

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

// T is what Start needs of a test: a *testing.T or *testing.B, or a
// program's own (scripts/grpcecho) that exits on Fatal and runs its
// cleanups at its end.
type T interface {
	Helper()
	Fatal(args ...any)
	Cleanup(func())
}

// Server is a running Echo service.
type Server struct {
	Addr  string       // host:port
	Calls atomic.Int64 // calls begun, of every method
	// Proto is echo.proto's path, for a --proto test.
	Proto string
	svc   protoreflect.ServiceDescriptor
}

// protoDir is the directory of echo.proto, beside this file.
func protoDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(file)
}

// compileEcho compiles echo.proto.
func compileEcho(t T) linker.Resolver {
	t.Helper()
	c := protocompile.Compiler{Resolver: protocompile.WithStandardImports(&protocompile.SourceResolver{ImportPaths: []string{protoDir()}})}
	files, err := c.Compile(context.Background(), "echo.proto")
	if err != nil {
		t.Fatal(err)
	}
	return files.AsResolver()
}

// Start serves Echo on loopback, with the reflection service when
// reflect is set, until the test ends. Say answers with its request's
// key, and n the milliseconds left to its deadline; Stream with count
// replies, n counting from 1; Fail with the status its key names;
// Sleep answers after count milliseconds, or fails with the
// deadline's status; Upload streams from the client.
func Start(t T, reflect bool, opts ...ggrpc.ServerOption) *Server {
	t.Helper()
	res := compileEcho(t)
	d, err := res.FindDescriptorByName("strain.echo.Echo")
	if err != nil {
		t.Fatal(err)
	}
	e := &Server{svc: d.(protoreflect.ServiceDescriptor), Proto: filepath.Join(protoDir(), "echo.proto")}
	s := ggrpc.NewServer(opts...)
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
	e.Addr = ln.Addr().String()
	return e
}

func (e *Server) method(name string) protoreflect.MethodDescriptor {
	return e.svc.Methods().ByName(protoreflect.Name(name))
}

// desc is the service's description for grpc-go, its handlers decoding
// into dynamic messages.
func (e *Server) desc() *ggrpc.ServiceDesc {
	unaryCtx := func(name string, answer func(ctx context.Context, req *dynamicpb.Message) (*dynamicpb.Message, error)) ggrpc.MethodDesc {
		return ggrpc.MethodDesc{MethodName: name, Handler: func(srv any, ctx context.Context, dec func(any) error, intercept ggrpc.UnaryServerInterceptor) (any, error) {
			e.Calls.Add(1)
			req := dynamicpb.NewMessage(e.method(name).Input())
			if err := dec(req); err != nil {
				return nil, err
			}
			if intercept == nil {
				return answer(ctx, req)
			}
			info := &ggrpc.UnaryServerInfo{Server: srv, FullMethod: "/strain.echo.Echo/" + name}
			return intercept(ctx, req, info, func(ctx context.Context, req any) (any, error) { return answer(ctx, req.(*dynamicpb.Message)) })
		}}
	}
	unary := func(name string, answer func(req *dynamicpb.Message) (*dynamicpb.Message, error)) ggrpc.MethodDesc {
		return unaryCtx(name, func(_ context.Context, req *dynamicpb.Message) (*dynamicpb.Message, error) { return answer(req) })
	}
	return &ggrpc.ServiceDesc{
		ServiceName: "strain.echo.Echo",
		HandlerType: (*any)(nil),
		Methods: []ggrpc.MethodDesc{
			unaryCtx("Say", func(ctx context.Context, req *dynamicpb.Message) (*dynamicpb.Message, error) {
				n := int32(0) // the milliseconds left before the call's deadline, if it has one
				if d, ok := ctx.Deadline(); ok {
					n = int32(time.Until(d).Milliseconds())
				}
				return e.reply(req, n), nil
			}),
			unaryCtx("Sleep", func(ctx context.Context, req *dynamicpb.Message) (*dynamicpb.Message, error) {
				select {
				case <-time.After(time.Duration(field(req, "count").Int()) * time.Millisecond):
					return e.reply(req, 1), nil
				case <-ctx.Done():
					return nil, status.FromContextError(ctx.Err()).Err()
				}
			}),
			unary("Fail", func(req *dynamicpb.Message) (*dynamicpb.Message, error) {
				var c codes.Code
				if err := c.UnmarshalJSON([]byte(`"` + field(req, "key").String() + `"`)); err != nil {
					c = codes.Unknown
				}
				return nil, status.Error(c, "as asked")
			}),
		},
		Streams: []ggrpc.StreamDesc{{StreamName: "Stream", ServerStreams: true, Handler: func(_ any, ss ggrpc.ServerStream) error {
			e.Calls.Add(1)
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

// field is a dynamic message's field by name.
func field(m *dynamicpb.Message, name string) protoreflect.Value {
	return m.Get(m.Descriptor().Fields().ByName(protoreflect.Name(name)))
}

func (e *Server) reply(req *dynamicpb.Message, n int32) *dynamicpb.Message {
	out := dynamicpb.NewMessage(e.method("Say").Output())
	fs := out.Descriptor().Fields()
	out.Set(fs.ByName("key"), field(req, "key"))
	out.Set(fs.ByName("n"), protoreflect.ValueOfInt32(n))
	return out
}
