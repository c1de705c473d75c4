// Package grpc is what strain needs to call a gRPC method over its own
// HTTP/2 client: the method's descriptors (from the server's reflection
// service, or from .proto files compiled at run time), its request message
// encoded once from JSON into a length-prefixed frame, the count of the
// messages a response streams back, and the call's status by name.
//
// It does no I/O on the load's path: a transport writes Method.Frame as a
// request's body, with Method.Headers, feeds each DATA frame's payload to
// a Messages counter, and reads the status from the trailers with
// ParseStatus. Protobuf itself is google.golang.org/protobuf's (protojson,
// dynamicpb); .proto files are compiled by github.com/bufbuild/protocompile.
package grpc
