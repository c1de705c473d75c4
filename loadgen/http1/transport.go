// Package http1 is strain's own HTTP/1.1 client, the wire path: a lean
// client over raw connections, one per worker and endpoint, with each
// request rendered once (by net/http's own request writer, so that both
// send the same bytes) and responses framed without allocating. A target
// it does not carry (another scheme, a request net/http's writer refuses)
// goes through the fallback transport it is given, net/http.
package http1

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/strain-dev/strain/loadgen/send"
	"github.com/strain-dev/strain/loadgen/template"
)

// Transport is the wire path: it makes each worker's sender, and holds the
// endpoints and the targets' rendered requests that the workers share.
type Transport struct {
	endpoints []endpoint // empty when it carries no target
	targets   []*target  // by send.Prepared.Index; nil for a target the fallback carries
	fallback  send.Transport
	slack     time.Duration
	maxBody   int64
}

// deadlineSlack is how much later than a request's deadline the wire path
// may give up waiting for it, as a fraction of the timeout (wireConn.arm).
const deadlineSlack = 1.0 / 1000

// endpoint is a scheme and address the wire path connects to.
type endpoint struct {
	addr string
	tls  *tls.Config // nil for http
}

// target is a send.Prepared as the wire path sends it.
type target struct {
	p *send.Prepared
	// wire is the whole request: request line, headers and body, byte
	// for byte what net/http would send; nil when it varies.
	wire []byte
	// A varying request, framed by net/http's request writer: head up to
	// where a varying body's Content-Length goes, and tail, the rest of
	// the head (nil when the body is fixed: head then holds the whole
	// request, body and all).
	head, tail *template.Template
	endpoint   int
}

// New renders the requests of targets that it carries (http and https),
// and leaves the others to fallback.
func New(opts send.Options, targets []*send.Prepared, fallback send.Transport) *Transport {
	tr := &Transport{fallback: fallback, slack: time.Duration(float64(opts.Timeout) * deadlineSlack), maxBody: opts.MaxBody}
	slots := map[string]int{}
	for _, p := range targets {
		tr.targets = append(tr.targets, nil)
		u := p.Req.URL
		if u.Scheme != "http" && u.Scheme != "https" {
			continue // net/http sends it, and reports why it cannot
		}
		t := &target{p: p}
		if t.render() != nil {
			continue
		}
		key := u.Scheme + "://" + send.HostPort(u)
		slot, ok := slots[key]
		if !ok {
			slot = len(tr.endpoints)
			slots[key] = slot
			tr.endpoints = append(tr.endpoints, newEndpoint(opts, u))
		}
		t.endpoint = slot
		tr.targets[p.Index] = t
	}
	return tr
}

func newEndpoint(opts send.Options, u *url.URL) endpoint {
	ep := endpoint{addr: send.HostPort(u)}
	if u.Scheme == "https" {
		// As net/http's transport would: verify the URL's host (not a
		// Host header's), and offer only HTTP/1.1.
		ep.tls = &tls.Config{InsecureSkipVerify: opts.Insecure, ServerName: u.Hostname(), NextProtos: []string{"http/1.1"}}
	}
	return ep
}

// Sender makes a worker's sender, with its own connections.
func (tr *Transport) Sender(ctx context.Context) send.Sender {
	general := tr.fallback.Sender(ctx)
	if len(tr.endpoints) == 0 {
		return general
	}
	return &wireSender{ctx: ctx, targets: tr.targets, endpoints: tr.endpoints, conns: make([]*wireConn, len(tr.endpoints)),
		general: general, slack: tr.slack, maxBody: tr.maxBody}
}

// Path is PathWire, or the fallback's when the wire path carries no target.
func (tr *Transport) Path() string {
	if len(tr.endpoints) == 0 {
		return tr.fallback.Path()
	}
	return send.PathWire
}

// Gathers is false: each worker writes its own requests.
func (tr *Transport) Gathers() bool { return false }

// Close releases the fallback's connections; each sender closes its own.
func (tr *Transport) Close() { tr.fallback.Close() }

// render builds t's wire bytes with net/http's own request writer, so that
// both paths send the same bytes: the same Host, User-Agent, header order
// and Content-Length.
func (t *target) render() error {
	if t.p.Vary != nil {
		return t.renderVarying()
	}
	r := t.p.Req.Clone(t.p.Req.Context())
	if len(t.p.Body) > 0 {
		r.Body = io.NopCloser(bytes.NewReader(t.p.Body))
	}
	setURLAuth(r)
	var buf bytes.Buffer
	if err := r.Write(&buf); err != nil {
		return err
	}
	t.wire = buf.Bytes()
	return nil
}

// renderVarying frames t's request with net/http's request writer, as
// render does a fixed one, with markers where the values go, and reads
// the framed bytes back into templates. A varying body is framed as
// chunked, whose Transfer-Encoding line is where each request's
// Content-Length goes.
func (t *target) renderVarying() error {
	v := t.p.Vary
	r := t.p.Req.Clone(t.p.Req.Context())
	if v.Body != nil {
		r.Body, r.ContentLength = io.NopCloser(strings.NewReader("")), -1
	} else if len(t.p.Body) > 0 {
		r.Body = io.NopCloser(bytes.NewReader(t.p.Body))
	}
	setURLAuth(r)
	var buf bytes.Buffer
	if err := r.Write(&buf); err != nil {
		return err
	}
	wire := buf.String()
	if v.Body == nil {
		head, err := v.Marks.Read(wire)
		t.head = head
		return err
	}
	const chunked = "Transfer-Encoding: chunked\r\n"
	end := strings.Index(wire, "\r\n\r\n")
	at := strings.Index(wire, chunked)
	if end < 0 || at < 0 || at > end || strings.Count(wire[:end], "Transfer-Encoding") != 1 {
		return errors.New("a templated body cannot go with a Transfer-Encoding header")
	}
	var err1, err2 error
	t.head, err1 = v.Marks.Read(wire[:at])
	t.tail, err2 = v.Marks.Read(wire[at+len(chunked) : end+4])
	return errors.Join(err1, err2)
}

// appendWire appends o's request, of a varying target, as the wire path
// sends it.
func (t *target) appendWire(dst []byte, o *send.Outgoing) []byte {
	dst = t.head.Append(dst, o.F)
	if t.tail == nil {
		return dst
	}
	dst = append(dst, "Content-Length: "...)
	dst = strconv.AppendInt(dst, int64(len(o.Body)), 10)
	dst = append(dst, "\r\n"...)
	dst = t.tail.Append(dst, o.F)
	return append(dst, o.Body...)
}

// setURLAuth turns r's URL's credentials into its Authorization header,
// as http.Client does; the request writer does not.
func setURLAuth(r *http.Request) {
	if u := r.URL.User; u != nil && r.Header.Get("Authorization") == "" {
		password, _ := u.Password()
		r.SetBasicAuth(u.Username(), password)
	}
}
