package send

import (
	"context"
	"net/http"
	"time"

	"github.com/strain-dev/strain/loadgen/template"
)

// The paths a request can take, as a report names them.
const (
	PathWire    = "wire"     // strain's own HTTP/1.1 (package http1)
	PathH2      = "h2"       // strain's own HTTP/2 (package h2)
	PathNetHTTP = "net/http" // Go's client (package nethttp)
)

// A Transport carries a run's requests. It makes each worker's Sender and
// holds what the workers share.
type Transport interface {
	// Sender makes a worker's sender. ctx is the run: when it ends, the
	// sender's request in flight is cut off.
	Sender(ctx context.Context) Sender
	// Path says which path the run's requests take (PathWire, PathH2 or
	// PathNetHTTP).
	Path() string
	// Gathers says whether the transport gathers the workers' requests
	// into one write itself, so that a worker need not yield between its
	// requests for theirs to go out together.
	Gathers() bool
	// Close releases what the senders share, once the run is over.
	Close()
}

// A Prober is a Transport that can check, before the load, that its
// targets speak its protocol: an HTTP/2 client meeting an HTTP/1.1 server
// fails the run at its start, in one line, rather than every request.
type Prober interface {
	Probe(ctx context.Context, wait time.Duration) error
}

// A Sender is one worker's way to send requests, one at a time. Each
// worker owns its sender and uses it from its own goroutine only, so a
// sender keeps its connections to itself where its transport allows.
type Sender interface {
	// Send sends o's request (o.T, filled for o.Seq when it varies) and
	// reads the whole response, giving up at deadline or when the run
	// ends. A response of any status is not an error; the error is the
	// transport's, counted by its kind.
	Send(o *Outgoing, deadline time.Time) (Response, error)
	// Close releases the sender's own connections.
	Close()
}

// Response is what a sender read of a response.
type Response struct {
	Status   int   // the HTTP status, or the status a Watcher counted
	Bytes    int64 // the body's bytes
	Messages int64 // the messages a Watcher counted (a gRPC call's)
}

// Maker makes the transport of a run's targets.
type Maker func(opts Options, targets []*Prepared) Transport

// Options are what a transport takes from the run's configuration.
type Options struct {
	Timeout  time.Duration // each request's
	MaxBody  int64         // a response body's cap: past it, ErrBodyTooLarge
	Insecure bool          // skip TLS certificate checks
	HTTP2    bool          // speak HTTP/2
	// Concurrency is the most requests the run has in flight at once;
	// H2Conns the HTTP/2 connections to open to each endpoint.
	Concurrency, H2Conns int
}

// Prepared is a target made ready to send many times, on any transport.
type Prepared struct {
	// Req is the request without its body, as net/http would send it.
	// When the request varies, its URL and header values hold Vary's
	// markers.
	Req  *http.Request
	Body []byte // the fixed body; nil when Vary's body varies
	// Index is the target's place among the run's: a transport keeps
	// what it makes of the target at that index of a slice of its own.
	Index int
	Head  bool // a HEAD response has no body, whatever its headers say
	Close bool // the request asks for the connection to be closed after it
	// Replayable requests may be sent again on a fresh connection when a
	// kept-alive one turns out to have been closed by the server, as
	// net/http does: GET, HEAD, OPTIONS and TRACE, or any request with an
	// Idempotency-Key.
	Replayable bool
	// Watch, when set, makes what reads the response beyond HTTP, for a
	// protocol carried on HTTP/2 (a gRPC call): a transport that carries
	// the target keeps one Watcher per stream.
	Watch func() Watcher
	// Vary is the target's templates when its request changes from one
	// request to the next; nil when every request is the same.
	Vary *Varying
}

// Varying is what a target whose request changes from one request to the
// next (a template in its URL, a header or its body) adds to its prepared
// form: its templates, compiled once, for each transport to fill. Each
// takes them as template.Templates that it appends to a buffer of its own
// with the worker's template.Filler (Outgoing.F), so that none allocates
// per request.
type Varying struct {
	Marks  *template.Marks                 // the markers in Req's URL and header values
	URL    *template.Template              // Req's URL
	Header map[string][]*template.Template // by canonical name, as Req.Header's values; nil for a fixed value
	Body   *template.Template              // nil: the body is fixed (Prepared.Body)
	// Frame, when set, turns the filled body into what is sent: a gRPC
	// call's message from its JSON.
	Frame func(dst, body []byte) ([]byte, error)
}

// Outgoing is one worker's request as the engine hands it to a sender: its
// target, its number in the whole load and its body, filled for this
// request when the target varies. A worker reuses its Outgoing, request
// after request.
type Outgoing struct {
	T    *Prepared
	Seq  uint64           // the request's number in the whole load
	F    *template.Filler // the worker's, at Seq: fills T.Vary's templates
	Body []byte           // T.Body, or the body filled for this request
	Err  error            // a body that Frame refused: the request is not sent
	buf  []byte           // the body's buffer, reused
	msg  []byte           // a framed body's buffer, reused
}

// NewOutgoing makes a worker's Outgoing.
func NewOutgoing() *Outgoing { return &Outgoing{F: template.NewFiller()} }

// Set makes o request seq of t: its values, and its body.
func (o *Outgoing) Set(t *Prepared, seq uint64) {
	o.T, o.Seq, o.Body, o.Err = t, seq, t.Body, nil
	if t.Vary == nil {
		return
	}
	o.F.At(seq)
	if t.Vary.Body != nil {
		o.buf = t.Vary.Body.Append(o.buf[:0], o.F)
		o.Body = o.buf
	}
	if t.Vary.Frame != nil { // JSON to protobuf, request by request: this allocates
		o.msg, o.Err = t.Vary.Frame(o.msg[:0], o.buf)
		o.Body = o.msg
	}
}

// A Watcher reads a response beyond HTTP, for a protocol carried on it: a
// gRPC call's messages as they come, and its status in the trailers. An
// HTTP/2 stream keeps one, request after request; its transport calls it
// from one goroutine at a time.
type Watcher interface {
	// Begin readies it for the next request's response.
	Begin()
	// Field sees each field of the response's header blocks, the
	// trailers' too. An error ends the response, as a ProtocolError.
	Field(name, value string) error
	// Data sees each piece of the response's body. An error ends the
	// response, as a ProtocolError.
	Data(p []byte) error
	// Reset says whether the server's reset of the stream, with an
	// HTTP/2 error code, is the response's answer (its status) rather
	// than a failure.
	Reset(code uint32) bool
	// Status is the response's status as counted, given its HTTP status
	// (0 when none came).
	Status(httpStatus int) int
	// Messages is the response's messages so far.
	Messages() int64
}
