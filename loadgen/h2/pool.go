package h2

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/net/http2/hpack"

	"github.com/strain-dev/strain/loadgen/send"
	"github.com/strain-dev/strain/loadgen/template"
)

// request is a target as the HTTP/2 fast path sends it: its header
// fields, pseudo-headers first, lower-case, as net/http's HTTP/2 client
// would send them; and its body.
type request struct {
	fields []hpack.HeaderField
	body   []byte
	watch  func() send.Watcher // a protocol on HTTP/2 (a gRPC call): its stream's watcher
	// vary holds, for a target whose request varies, each field's
	// template (nil for a fixed field); lenField is the content-length
	// field's index when the body varies, else -1. The writer fills them
	// per request (conn.block), between runs of fixed fields.
	vary     []*template.Template
	lenField int
	runs     []fieldRun
}

// fieldRun is a run of a varying request's fixed fields, fields[from:to],
// and the varying field after it, or -1 at the end.
type fieldRun struct{ from, to, vary int }

// connectionHeaders are HTTP/1.1's, which HTTP/2 forbids (RFC 9113 §8.2.2).
var connectionHeaders = []string{"connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "host"}

// newRequest builds p's HTTP/2 request.
func newRequest(p *send.Prepared) *request {
	t := fixedFields(p)
	if p.Vary != nil {
		t.varying(p.Vary)
	}
	return t
}

// varying compiles t's fields that hold v's markers back into templates.
func (t *request) varying(v *send.Varying) {
	t.vary, t.lenField = make([]*template.Template, len(t.fields)), -1
	from := 0
	for i, f := range t.fields {
		switch {
		case f.Name == "content-length" && v.Body != nil:
			t.lenField = i
		case v.Marks.Marked(f.Value):
			t.vary[i], _ = v.Marks.Read(f.Value) // the markers are as Mark wrote them
		default:
			continue
		}
		t.runs = append(t.runs, fieldRun{from, i, i})
		from = i + 1
	}
	t.runs = append(t.runs, fieldRun{from, len(t.fields), -1})
}

// varyingMax is the longest header block t's fields can fill to.
func (t *request) varyingMax() int {
	n := 0
	for i, f := range t.fields {
		n += len(f.Name) + len(f.Value) + 2*maxVarintLen
		if t.vary != nil && t.vary[i] != nil {
			n += t.vary[i].Max()
		}
	}
	return n
}

// fixedFields is p's request's fields as they stand.
func fixedFields(p *send.Prepared) *request {
	r := p.Req
	authority := r.Host
	if authority == "" {
		authority = r.URL.Host
	}
	fields := []hpack.HeaderField{{Name: ":method", Value: r.Method}, {Name: ":scheme", Value: r.URL.Scheme},
		{Name: ":authority", Value: authority}, {Name: ":path", Value: r.URL.RequestURI()}}
	names := make([]string, 0, len(r.Header))
	for name := range r.Header {
		names = append(names, name)
	}
	slices.Sort(names)
	hasUA := false
	for _, name := range names {
		lower := strings.ToLower(name)
		if slices.Contains(connectionHeaders, lower) {
			continue
		}
		hasUA = hasUA || lower == "user-agent"
		for _, v := range r.Header[name] {
			fields = append(fields, hpack.HeaderField{Name: lower, Value: v})
		}
	}
	if !hasUA {
		fields = append(fields, hpack.HeaderField{Name: "user-agent", Value: "Go-http-client/2.0"})
	}
	if u := r.URL.User; u != nil && r.Header.Get("Authorization") == "" {
		password, _ := u.Password()
		auth := (&http.Request{Header: http.Header{}})
		auth.SetBasicAuth(u.Username(), password)
		fields = append(fields, hpack.HeaderField{Name: "authorization", Value: auth.Header.Get("Authorization"), Sensitive: true})
	}
	if len(p.Body) > 0 || p.Vary != nil && p.Vary.Body != nil || r.Method == http.MethodPost || r.Method == http.MethodPut || r.Method == http.MethodPatch {
		fields = append(fields, hpack.HeaderField{Name: "content-length", Value: strconv.Itoa(len(p.Body))})
	}
	return &request{fields: fields, body: p.Body, watch: p.Watch}
}

// endpoint is one scheme and address the fast path sends to, over
// conns connections that the workers share.
type endpoint struct {
	addr   string
	tls    *tls.Config // nil: h2c, HTTP/2 in the clear with prior knowledge
	mu     sync.Mutex  // guards what follows
	conn   []*conn     // by slot; nil until dialled, replaced when it ends
	closed bool        // the run has ended: no connection is dialled
}

// pool is the fast path's connections: each endpoint's slots, and the
// slot the next worker takes, so that the workers (the streams in
// flight) spread evenly over the connections.
type pool struct {
	endpoints []*endpoint
	slots     int
	next      atomic.Uint32
}

// target is a target as the fast path carries it.
type target struct {
	req      *request
	endpoint int
}

// maxVaryingHeader bounds a templated request's header fields, filled:
// the fast path sends them in one HEADERS frame, whose payload is at most
// 16 KiB before the server says more.
const maxVaryingHeader = 12 << 10

// newPool gives each http or https target its endpoint, one per scheme
// and address, with opts.H2Conns slots; it returns the targets it carries,
// by index, nil for those net/http carries.
func newPool(opts send.Options, targets []*send.Prepared) (*pool, []*target) {
	p := &pool{slots: max(opts.H2Conns, 1)}
	keys := map[string]int{}
	carried := make([]*target, len(targets))
	for _, t := range targets {
		u := t.Req.URL
		if u.Scheme != "http" && u.Scheme != "https" {
			continue // net/http sends it, and reports why it cannot
		}
		req := newRequest(t)
		if t.Vary != nil && req.varyingMax() > maxVaryingHeader {
			continue // net/http sends it, in as many frames as it takes
		}
		key := u.Scheme + "://" + send.HostPort(u)
		slot, ok := keys[key]
		if !ok {
			slot = len(p.endpoints)
			keys[key] = slot
			p.endpoints = append(p.endpoints, newEndpoint(opts, u, p.slots))
		}
		carried[t.Index] = &target{req: req, endpoint: slot}
	}
	return p, carried
}

func newEndpoint(opts send.Options, u *url.URL, slots int) *endpoint {
	ep := &endpoint{addr: send.HostPort(u), conn: make([]*conn, slots)}
	if u.Scheme == "https" {
		ep.tls = &tls.Config{InsecureSkipVerify: opts.Insecure, ServerName: u.Hostname(), NextProtos: []string{"h2", "http/1.1"}} // http/1.1 too: a server without h2 says so, rather than end the handshake
	}
	return ep
}

// get is slot's connection, dialled when there is none or the one there
// takes no new stream.
func (ep *endpoint) get(ctx context.Context, slot int, deadline time.Time) (*conn, error) {
	ep.mu.Lock()
	defer ep.mu.Unlock()
	if ep.closed {
		return nil, errRunEnded
	}
	if c := ep.conn[slot]; c != nil && c.usable() {
		return c, nil
	}
	c, err := ep.dial(ctx, deadline)
	if err != nil {
		return nil, err
	}
	ep.conn[slot] = c
	return c, nil
}

// dial opens a connection: TCP, TLS with ALPN h2 for https, then HTTP/2.
func (ep *endpoint) dial(ctx context.Context, deadline time.Time) (*conn, error) {
	dctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	nc, err := (&net.Dialer{KeepAlive: 30 * time.Second}).DialContext(dctx, "tcp", ep.addr)
	if err != nil {
		return nil, err
	}
	if tc, ok := nc.(*net.TCPConn); ok {
		tc.SetNoDelay(true)
	}
	if ep.tls != nil {
		tc := tls.Client(nc, ep.tls)
		if err := tc.HandshakeContext(dctx); err != nil {
			nc.Close()
			return nil, err
		}
		if p := tc.ConnectionState().NegotiatedProtocol; p != "h2" {
			tc.Close()
			return nil, &notHTTP2Error{&send.ProtocolError{What: fmt.Sprintf("TLS's ALPN chose %q, not h2", p)}}
		}
		nc = tc
	}
	c, err := newConn(nc)
	if err != nil {
		return nil, err
	}
	if err := c.settle(dctx); err != nil {
		return nil, err
	}
	return c, nil
}

// Probe opens an HTTP/2 connection to each of the fast path's endpoints
// and closes it, so that a server that does not speak HTTP/2 (no h2 in its
// TLS ALPN, an HTTP/1.1 answer to the preface) fails the run at its
// start, in one line, rather than every request. Other failures (a
// refused connection, a certificate) are left to the run, which counts
// them by kind as on every path.
func (tr *Transport) Probe(ctx context.Context, wait time.Duration) error {
	for _, ep := range tr.pool.endpoints {
		c, err := ep.dial(ctx, time.Now().Add(wait))
		var not *notHTTP2Error
		if errors.As(err, &not) {
			return fmt.Errorf("target %s does not speak HTTP/2: %s; run without --http2", ep.addr, not.err.What)
		}
		if err == nil {
			c.close()
		}
	}
	return nil
}

// notHTTP2Error is a server that answered in another protocol than
// HTTP/2; a request that meets it counts as a protocol error.
type notHTTP2Error struct{ err *send.ProtocolError }

func (e *notHTTP2Error) Error() string { return e.err.Error() }
func (e *notHTTP2Error) Unwrap() error { return e.err }

// close ends the pool at the run's end: its connections fail their
// streams in flight with errRunEnded, and no new one is dialled.
func (p *pool) close() {
	for _, ep := range p.endpoints {
		ep.mu.Lock()
		ep.closed = true
		for i, c := range ep.conn {
			if c != nil {
				c.fail(errRunEnded)
				ep.conn[i] = nil
			}
		}
		ep.mu.Unlock()
	}
}

// sender is one worker's sender on the HTTP/2 fast path: a stream at a
// time, on its slot's connection of the target's endpoint.
type sender struct {
	ctx     context.Context
	unwatch func() bool // stops closing the pool when ctx ends
	tr      *Transport
	slot    int
	stream  *stream // reused request after request on on, its connection
	on      *conn
	general send.Sender
}

// Send sends o's request as a stream on its endpoint's connection.
func (s *sender) Send(o *send.Outgoing, deadline time.Time) (send.Response, error) {
	t := s.tr.targets[o.T.Index]
	if t == nil {
		return s.general.Send(o, deadline)
	}
	ep := s.tr.pool.endpoints[t.endpoint]
	for attempt := 0; ; attempt++ {
		c, err := ep.get(s.ctx, s.slot, deadline)
		if err != nil {
			return send.Response{}, err
		}
		if s.on != c {
			// A stream belongs to one connection: the old one may still
			// hold the last (its queue, a frame in flight), under its
			// own lock.
			s.stream, s.on = newStream(c), c
		}
		resp, err := c.roundTrip(s.stream, outgoing{t: t.req, seq: o.Seq, body: o.Body}, deadline, s.tr.maxBody)
		if errors.Is(err, errRunEnded) && s.ctx.Err() != nil {
			err = s.ctx.Err()
		}
		// A stream the server never processed (refused, or past its
		// GOAWAY) is sent once more, on a fresh connection; one that
		// never left strain (its connection ended first), until its
		// deadline.
		again := err == errH2NotSent || retryable(err) && attempt == 0
		if again && s.ctx.Err() == nil && time.Now().Before(deadline) && attempt < maxH2Attempts {
			continue
		}
		return resp, err
	}
}

// maxH2Attempts bounds the tries of a request that keeps finding its
// connection ended before it could be sent.
const maxH2Attempts = 16

// Close stops watching for the run's end; the connections are the
// pool's, shared by the workers, and the transport closes them.
func (s *sender) Close() {
	s.unwatch()
	s.general.Close()
}
