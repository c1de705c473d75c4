package grpc

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/bufbuild/protocompile"
	ggrpc "google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	rpb "google.golang.org/grpc/reflection/grpc_reflection_v1"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
)

// Descriptors say where a method's types come from: .proto files, or,
// with none, the server's reflection service.
type Descriptors struct {
	ProtoFiles  []string // compiled at run time
	ImportPaths []string // where their imports are found; the current directory when none
	Insecure    bool     // with reflection over TLS: skip certificate verification
}

// UnreachableError is a server that could not be reached to ask its
// reflection service.
type UnreachableError struct{ Err error }

func (e *UnreachableError) Error() string { return e.Err.Error() }
func (e *UnreachableError) Unwrap() error { return e.Err }

// Resolve finds t's method and its types: from d's .proto files, or else
// from the server's reflection service.
func Resolve(ctx context.Context, t Target, d Descriptors) (*Method, error) {
	var (
		found protoreflect.Descriptor
		err   error
	)
	if len(d.ProtoFiles) > 0 {
		found, err = fromProtoFiles(ctx, t.Service, d)
	} else {
		found, err = fromReflection(ctx, t, d.Insecure)
	}
	if err != nil {
		return nil, err
	}
	svc, ok := found.(protoreflect.ServiceDescriptor)
	if !ok {
		return nil, fmt.Errorf("%s is a %s, not a service", t.Service, kindOf(found))
	}
	md := svc.Methods().ByName(protoreflect.Name(t.Method))
	if md == nil {
		return nil, fmt.Errorf("service %s has no method %s (it has %s)", t.Service, t.Method, methodNames(svc))
	}
	m := &Method{Target: t, Desc: md}
	return m, m.check()
}

func kindOf(d protoreflect.Descriptor) string {
	return strings.TrimPrefix(fmt.Sprintf("%T", d), "*")
}

func methodNames(svc protoreflect.ServiceDescriptor) string {
	var names []string
	for i := range svc.Methods().Len() {
		names = append(names, string(svc.Methods().Get(i).Name()))
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// fromProtoFiles compiles d's files and finds the service among them.
func fromProtoFiles(ctx context.Context, service string, d Descriptors) (protoreflect.Descriptor, error) {
	names := make([]string, len(d.ProtoFiles))
	for i, f := range d.ProtoFiles {
		names[i] = relativeTo(f, d.ImportPaths)
	}
	c := protocompile.Compiler{
		Resolver: protocompile.WithStandardImports(&protocompile.SourceResolver{ImportPaths: d.ImportPaths}),
	}
	files, err := c.Compile(ctx, names...)
	if err != nil {
		return nil, fmt.Errorf("--proto: %w", err)
	}
	found, err := files.AsResolver().FindDescriptorByName(protoreflect.FullName(service))
	if err != nil {
		return nil, fmt.Errorf("no service %s in %s", service, strings.Join(d.ProtoFiles, ", "))
	}
	return found, nil
}

// relativeTo names file as the compiler looks for it: relative to the
// first import path it lies under, else as given.
func relativeTo(file string, importPaths []string) string {
	abs, err := filepath.Abs(file)
	if err != nil {
		return file
	}
	for _, dir := range importPaths {
		d, err := filepath.Abs(dir)
		if err != nil {
			continue
		}
		if rel, err := filepath.Rel(d, abs); err == nil && !strings.HasPrefix(rel, "..") {
			return filepath.ToSlash(rel)
		}
	}
	return file
}

// Bounds on what a reflection service sends: the files, and their bytes.
const (
	maxReflectedFiles = 1000
	maxReflectedBytes = 16 << 20
)

// fromReflection asks the server's reflection service for the file that
// defines service, and for the files it imports, then finds the service.
func fromReflection(ctx context.Context, t Target, skipVerify bool) (protoreflect.Descriptor, error) {
	creds := insecure.NewCredentials()
	if t.TLS {
		creds = credentials.NewTLS(&tls.Config{InsecureSkipVerify: skipVerify})
	}
	conn, err := ggrpc.NewClient("passthrough:///"+t.Addr, ggrpc.WithTransportCredentials(creds))
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := rpb.NewServerReflectionClient(conn).ServerReflectionInfo(ctx)
	if err != nil {
		return nil, reflectionErr(t, err)
	}
	files, err := (&reflected{stream: stream, files: map[string]*descriptorpb.FileDescriptorProto{}}).collect(t.Service)
	if err != nil {
		return nil, reflectionErr(t, err)
	}
	reg, err := protodesc.NewFiles(&descriptorpb.FileDescriptorSet{File: files})
	if err != nil {
		return nil, fmt.Errorf("the reflection service's descriptors: %w", err)
	}
	return reg.FindDescriptorByName(protoreflect.FullName(t.Service))
}

// reflectionErr says what a reflection call's failure means.
func reflectionErr(t Target, err error) error {
	switch status.Code(err) {
	case codes.Unavailable, codes.DeadlineExceeded:
		return &UnreachableError{Err: fmt.Errorf("%s: %v", t.Addr, status.Convert(err).Message())}
	case codes.Unimplemented:
		return fmt.Errorf("%s serves no reflection (grpc.reflection.v1): give its .proto with --proto", t.Addr)
	case codes.NotFound:
		return fmt.Errorf("%s has no service %s", t.Addr, t.Service)
	}
	return err
}

// reflected walks the reflection service for a service's file and its
// imports.
type reflected struct {
	stream rpb.ServerReflection_ServerReflectionInfoClient
	files  map[string]*descriptorpb.FileDescriptorProto
	order  []*descriptorpb.FileDescriptorProto
	bytes  int
}

func (r *reflected) collect(service string) ([]*descriptorpb.FileDescriptorProto, error) {
	err := r.ask(&rpb.ServerReflectionRequest{MessageRequest: &rpb.ServerReflectionRequest_FileContainingSymbol{FileContainingSymbol: service}})
	for i := 0; err == nil && i < len(r.order); i++ {
		for _, dep := range r.order[i].GetDependency() {
			if r.files[dep] == nil {
				err = r.askFile(dep)
			}
		}
	}
	return r.order, err
}

// askFile asks for an imported file by name; one the server does not
// have, and Go's own registry does (a well-known type), is taken from Go.
func (r *reflected) askFile(name string) error {
	err := r.ask(&rpb.ServerReflectionRequest{MessageRequest: &rpb.ServerReflectionRequest_FileByFilename{FileByFilename: name}})
	if r.files[name] != nil {
		return nil
	}
	if fd, ferr := protoregistry.GlobalFiles.FindFileByPath(name); ferr == nil {
		r.add(protodesc.ToFileDescriptorProto(fd))
		return nil
	}
	if err == nil {
		err = fmt.Errorf("the reflection service did not send %s", name)
	}
	return err
}

func (r *reflected) ask(req *rpb.ServerReflectionRequest) error {
	if err := r.stream.Send(req); err != nil && !errors.Is(err, io.EOF) {
		return err
	} // at io.EOF the server ended the stream: Recv says why
	resp, err := r.stream.Recv()
	if err != nil {
		return err
	}
	if e := resp.GetErrorResponse(); e != nil {
		return status.Error(codes.Code(e.GetErrorCode()), e.GetErrorMessage())
	}
	for _, raw := range resp.GetFileDescriptorResponse().GetFileDescriptorProto() {
		if r.bytes += len(raw); r.bytes > maxReflectedBytes || len(r.order) >= maxReflectedFiles {
			return errors.New("the reflection service sent more descriptors than strain reads")
		}
		fd := &descriptorpb.FileDescriptorProto{}
		if err := proto.Unmarshal(raw, fd); err != nil {
			return fmt.Errorf("a descriptor from the reflection service: %w", err)
		}
		r.add(fd)
	}
	return nil
}

func (r *reflected) add(fd *descriptorpb.FileDescriptorProto) {
	if r.files[fd.GetName()] == nil {
		r.files[fd.GetName()] = fd
		r.order = append(r.order, fd)
	}
}
