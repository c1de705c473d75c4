package loadgen

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"

	"github.com/strain-dev/strain/loadgen/grpc"

	"github.com/strain-dev/strain/loadgen/template"
)

// varying is what a target whose request changes from one request to the
// next (a template in its URL, a header or its body) adds to its
// prepared form: its templates, compiled once, for each path to fill.
// Each path takes them as template.Templates that it appends to a buffer
// of its own with the worker's template.Filler, so no path allocates per
// request.
type varying struct {
	marks  *template.Marks
	url    *template.Template              // the general path's URL
	header map[string][]*template.Template // by canonical name, as req.Header's values; nil for a fixed value
	body   *template.Template              // nil: the body is fixed (prepared.body)
	call   *grpc.Method                    // a gRPC call's: body is its message's JSON, framed by it

	// The wire path's request, framed by net/http's request writer: head
	// up to where a varying body's Content-Length goes, and tail, the
	// rest of the head (nil when the body is fixed: head then holds the
	// whole request, body and all).
	head, tail *template.Template
}

// outgoing is one worker's request as the engine hands it to a sender:
// its target, its number in the whole load and its body, filled for this
// request when the target varies. A worker reuses its outgoing, request
// after request.
type outgoing struct {
	t    *prepared
	seq  uint64           // the request's number in the whole load (Segment.nth)
	f    *template.Filler // the worker's, at seq
	body []byte           // t.body, or the body filled for this request
	buf  []byte           // the body's buffer, reused
	msg  []byte           // a gRPC call's framed message's buffer, reused
	err  error            // a gRPC message that did not encode: the request is not sent
}

func newOutgoing() *outgoing { return &outgoing{f: template.NewFiller()} }

// set makes o request seq of t: its values, and its body.
func (o *outgoing) set(t *prepared, seq uint64) {
	o.t, o.seq, o.body, o.err = t, seq, t.body, nil
	if t.vary == nil {
		return
	}
	o.f.At(seq)
	if t.vary.body != nil {
		o.buf = t.vary.body.Append(o.buf[:0], o.f)
		o.body = o.buf
	}
	if t.vary.call != nil { // JSON to protobuf, call by call: this allocates
		o.msg, o.err = t.vary.call.AppendFrame(o.msg[:0], o.buf)
		o.body = o.msg
	}
}

// maxVaryingHeader bounds a templated request's header fields, filled:
// the HTTP/2 fast path sends them in one HEADERS frame, whose payload is
// at most 16 KiB before the server says more.
const maxVaryingHeader = 12 << 10

// errTemplateInHost is a template where the request's endpoint is chosen:
// every request of a target goes to one endpoint.
var errTemplateInHost = errors.New("a template can go in a URL's path and query, a header's value and the body; not in the scheme, user or host")

// compileTarget parses t's URL, header values and body as templates. It
// returns t with each fixed one filled in ({{env}} values), and the
// target's varying part, nil when nothing varies. A gRPC call's body is
// its message, encoded: bytes, not a template; unless the message varies
// (Target.call), when it is the message's JSON, a template.
func compileTarget(t Target, data *template.Data) (Target, *varying, error) {
	v := &varying{marks: template.NewMarks(), header: map[string][]*template.Template{}}
	opts := template.Options{Data: data, LookupEnv: os.LookupEnv}
	varies := false
	markURL, err := v.markURL(t.URL, opts, &varies)
	if err != nil {
		return t, nil, err
	}
	out := Target{Method: t.Method, URL: markURL, Header: http.Header{}, Body: t.Body, grpc: t.grpc}
	for name, values := range t.Header {
		for _, raw := range values {
			tpl, err := template.Parse(raw, template.Header, opts)
			if err != nil {
				return t, nil, fmt.Errorf("header %s: %w", name, err)
			}
			key := http.CanonicalHeaderKey(name)
			if tpl.Static() {
				out.Header[key] = append(out.Header[key], tpl.String())
				v.header[key] = append(v.header[key], nil)
				continue
			}
			if key == "Host" {
				return t, nil, errTemplateInHost
			}
			varies = true
			out.Header[key] = append(out.Header[key], v.marks.Mark(tpl))
			v.header[key] = append(v.header[key], tpl)
		}
	}
	if !t.grpc || t.call != nil {
		v.call = t.call
		body, err := template.Parse(string(t.Body), template.Body, opts)
		switch {
		case err != nil:
			return t, nil, fmt.Errorf("body: %w", err)
		case !body.Static():
			v.body, varies = body, true
		case body.String() != string(t.Body):
			out.Body = []byte(body.String())
		}
	}
	if !varies {
		out.URL = v.url.String()
		return out, nil, nil
	}
	return out, v, nil
}

// markURL parses raw's path as a Path template and its query as a Query
// one, and returns the URL with their fillers marked.
func (v *varying) markURL(raw string, opts template.Options, varies *bool) (string, error) {
	if _, err := template.Parse(raw, template.Body, opts); err != nil {
		return "", fmt.Errorf("URL: %w", err) // its position in the whole URL
	}
	path, query, hasQuery := strings.Cut(raw, "?")
	pt, err := template.Parse(path, template.Path, opts)
	if err != nil {
		return "", fmt.Errorf("URL: %w", err)
	}
	marked := v.marks.Mark(pt)
	whole := pt.String()
	if hasQuery {
		qt, err := template.Parse(query, template.Query, opts)
		if err != nil {
			return "", fmt.Errorf("URL: %w", err)
		}
		marked += "?" + v.marks.Mark(qt)
		whole += "?" + qt.String()
		*varies = *varies || !qt.Static()
	}
	*varies = *varies || !pt.Static()
	u, err := url.Parse(marked)
	if err != nil {
		return "", fmt.Errorf("malformed URL %q", raw)
	}
	if v.marks.Marked(u.Scheme + u.User.String() + u.Host) {
		return "", errTemplateInHost
	}
	if v.url, err = v.marks.Read(marked); err != nil {
		return "", err
	}
	if !*varies {
		return whole, nil
	}
	return marked, nil
}

// renderVarying frames p's request with net/http's request writer, as
// render does a fixed one, with markers where the values go, and reads
// the framed bytes back into the wire path's templates. A varying body
// is framed as chunked, whose Transfer-Encoding line is where each
// request's Content-Length goes.
func (p *prepared) renderVarying() error {
	r := p.req.Clone(p.req.Context())
	if p.vary.body != nil {
		r.Body, r.ContentLength = io.NopCloser(strings.NewReader("")), -1
	} else if len(p.body) > 0 {
		r.Body = io.NopCloser(bytes.NewReader(p.body))
	}
	setURLAuth(r)
	var buf bytes.Buffer
	if err := r.Write(&buf); err != nil {
		return err
	}
	wire := buf.String()
	if p.vary.body == nil {
		head, err := p.vary.marks.Read(wire)
		p.vary.head = head
		return err
	}
	const chunked = "Transfer-Encoding: chunked\r\n"
	end := strings.Index(wire, "\r\n\r\n")
	at := strings.Index(wire, chunked)
	if end < 0 || at < 0 || at > end || strings.Count(wire[:end], "Transfer-Encoding") != 1 {
		return errors.New("a templated body cannot go with a Transfer-Encoding header")
	}
	var err1, err2 error
	p.vary.head, err1 = p.vary.marks.Read(wire[:at])
	p.vary.tail, err2 = p.vary.marks.Read(wire[at+len(chunked) : end+4])
	return errors.Join(err1, err2)
}

// appendWire appends o's request as the wire path sends it.
func (v *varying) appendWire(dst []byte, o *outgoing) []byte {
	dst = v.head.Append(dst, o.f)
	if v.tail == nil {
		return dst
	}
	dst = append(dst, "Content-Length: "...)
	dst = strconv.AppendInt(dst, int64(len(o.body)), 10)
	dst = append(dst, "\r\n"...)
	dst = v.tail.Append(dst, o.f)
	return append(dst, o.body...)
}

// request is o's request for the general path, net/http: its URL and
// header values filled. It allocates, as net/http does anyway.
func (v *varying) request(base *http.Request, o *outgoing) (*http.Request, error) {
	u, err := url.Parse(string(v.url.Append(nil, o.f)))
	if err != nil {
		return nil, err
	}
	r := base.Clone(base.Context())
	r.URL = u
	for name, tpls := range v.header {
		for i, tpl := range tpls {
			if tpl != nil {
				r.Header[name][i] = string(tpl.Append(nil, o.f))
			}
		}
	}
	r.ContentLength = int64(len(o.body))
	return r, nil
}
