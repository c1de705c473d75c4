package grpc

import (
	"errors"
	"net/http"

	"golang.org/x/net/http2"

	"github.com/strain-dev/strain/loadgen/send"
)

// A call goes on HTTP/2 (package h2) as a POST of its framed message. Its
// status is the grpc-status its trailers carry (or its headers, in a
// trailers-only response), and the messages it streams back are counted
// as they arrive: a Watcher reads them, stream by stream.

// Counted is how a call's status is counted among a run's statuses: its
// code plus one, so that OK is not the zero of no response. A code past
// the specification's counts as UNKNOWN, as grpc-go takes it.
func Counted(c Code) int {
	if c > Unauthenticated {
		c = Unknown
	}
	return int(c) + 1
}

// Watcher reads a call's response on an HTTP/2 stream: a send.Watcher.
// Make one with NewWatcher.
type Watcher struct {
	msgs      Messages
	code      Code
	sawStatus bool
}

// NewWatcher makes a stream's Watcher; it is a send.Prepared's Watch for
// a gRPC call.
func NewWatcher() send.Watcher { return &Watcher{} }

// Begin readies w for the next call.
func (w *Watcher) Begin() {
	w.code, w.sawStatus = OK, false
	w.msgs.Reset()
}

// errBadStatus is a grpc-status that is not a status.
var errBadStatus = errors.New("a grpc-status that is not a status")

// Field takes the call's status from its grpc-status field.
func (w *Watcher) Field(name, value string) error {
	if name != "grpc-status" {
		return nil
	}
	code, ok := ParseStatus([]byte(value))
	if !ok {
		return errBadStatus
	}
	w.code, w.sawStatus = code, true
	return nil
}

// Data counts the messages in a piece of the response's body.
func (w *Watcher) Data(p []byte) error {
	if err := w.msgs.Feed(p); err != nil {
		return errors.New("gRPC: " + err.Error())
	}
	return nil
}

// Reset takes a reset of the stream as the call's status, as the gRPC
// specification maps HTTP/2's error codes: REFUSED_STREAM is left a
// failure (the server never processed the call).
func (w *Watcher) Reset(code uint32) bool {
	if http2.ErrCode(code) == http2.ErrCodeRefusedStream {
		return false
	}
	w.code, w.sawStatus = resetStatus(http2.ErrCode(code)), true
	return true
}

// Status is the call's counted status (Counted), given the response's
// HTTP status: the one grpc-status said, or, when none came, the one the
// specification maps the HTTP status to.
func (w *Watcher) Status(httpStatus int) int {
	if w.sawStatus {
		return Counted(w.code)
	}
	return Counted(httpToGRPC(httpStatus))
}

// Messages is the call's response messages so far.
func (w *Watcher) Messages() int64 { return int64(w.msgs.Count()) }

// httpCodes are the codes of responses with no grpc-status, by their
// HTTP status, as the gRPC specification maps them; any other is UNKNOWN.
// A 200 without one is a call the server ended without a status.
var httpCodes = map[int]Code{
	http.StatusOK: Internal, http.StatusBadRequest: Internal, http.StatusUnauthorized: Unauthenticated,
	http.StatusForbidden: PermissionDenied, http.StatusNotFound: Unimplemented,
	http.StatusTooManyRequests: Unavailable, http.StatusBadGateway: Unavailable,
	http.StatusServiceUnavailable: Unavailable, http.StatusGatewayTimeout: Unavailable,
}

// httpToGRPC is the code of a response with no grpc-status.
func httpToGRPC(status int) Code {
	if c, ok := httpCodes[status]; ok {
		return c
	}
	return Unknown
}

// resetCodes are the codes of calls reset with an HTTP/2 error code, as
// the gRPC specification maps them; any other is INTERNAL.
var resetCodes = map[http2.ErrCode]Code{
	http2.ErrCodeCancel: Canceled, http2.ErrCodeEnhanceYourCalm: ResourceExhausted,
	http2.ErrCodeInadequateSecurity: PermissionDenied,
}

// resetStatus is the code of a call reset with an HTTP/2 error code.
func resetStatus(code http2.ErrCode) Code {
	if c, ok := resetCodes[code]; ok {
		return c
	}
	return Internal
}
