// Package grpc is what strain needs to call a gRPC method over its own
// HTTP/2 client: the method's descriptors (from the server's reflection
// service, or from .proto files compiled at run time), its request message
// encoded once from JSON into a length-prefixed frame, the count of the
// messages a response streams back, and the call's status by name.
//
// It does no I/O on the load's path: a call is a POST of Method.Frame,
// with Method.Headers, which strain's HTTP/2 client (package loadgen/h2)
// carries; its response is read by a Watcher (a send.Watcher, one per
// stream), which counts the messages of each DATA frame's payload and
// takes the status from the trailers, or from the stream's reset. Protobuf itself is google.golang.org/protobuf's (protojson,
// dynamicpb); .proto files are compiled by github.com/bufbuild/protocompile.
package grpc
