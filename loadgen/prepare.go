package loadgen

import (
	"bytes"
	"io"
	"net/http"

	"github.com/strain-dev/strain/loadgen/template"
)

// prepared is a Target made ready to send many times, on either path.
type prepared struct {
	req  *http.Request // the general path's request, without its body
	body []byte

	// wire is the whole request as the wire path writes it: request line,
	// headers and body, byte for byte what net/http would send. It is nil
	// when the target goes through net/http.
	wire     []byte
	h2       *h2Request // the HTTP/2 fast path's request; nil when it does not carry the target
	endpoint int        // the wire path's (or the HTTP/2 fast path's) endpoint for the target's scheme and address
	head     bool       // a HEAD response has no body, whatever its headers say
	close    bool       // the request asks for the connection to be closed after it
	// replayable requests may be sent again on a fresh connection when a
	// kept-alive one turns out to have been closed by the server, as
	// net/http does: GET, HEAD, OPTIONS and TRACE, or any request with an
	// Idempotency-Key.
	replayable bool
	grpc       bool // a gRPC call: its status is grpc-status, its messages counted
	// vary is the target's templates when its request changes from one
	// request to the next; nil when every request is the same. req's URL
	// and header values then hold their markers.
	vary *varying
}

// prepare makes t ready to send: its templates compiled, with data for
// {{row.FIELD}}.
func prepare(t Target, data *template.Data) (*prepared, error) {
	t, vary, err := compileTarget(t, data)
	if err != nil {
		return nil, err
	}
	method := t.Method
	if method == "" {
		method = http.MethodGet
	}
	req, err := http.NewRequest(method, t.URL, nil)
	if err != nil {
		return nil, err
	}
	for name, values := range t.Header {
		if http.CanonicalHeaderKey(name) == "Host" {
			req.Host = values[0]
			continue
		}
		req.Header[http.CanonicalHeaderKey(name)] = values
	}
	req.ContentLength = int64(len(t.Body))
	p := &prepared{req: req, body: t.Body, head: method == http.MethodHead, grpc: t.grpc, vary: vary}
	if vary != nil && vary.body != nil {
		p.body = nil
	}
	for _, v := range req.Header["Connection"] {
		p.close = p.close || hasTokenBytes([]byte(v), "close")
	}
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		p.replayable = true
	default:
		_, key := req.Header["Idempotency-Key"]
		_, xkey := req.Header["X-Idempotency-Key"]
		p.replayable = key || xkey
	}
	return p, nil
}

// render builds p's wire bytes with net/http's own request writer, so that
// both paths send the same bytes: the same Host, User-Agent, header order
// and Content-Length.
func (p *prepared) render() error {
	if p.vary != nil {
		return p.renderVarying()
	}
	r := p.req.Clone(p.req.Context())
	if len(p.body) > 0 {
		r.Body = io.NopCloser(bytes.NewReader(p.body))
	}
	setURLAuth(r)
	var buf bytes.Buffer
	if err := r.Write(&buf); err != nil {
		return err
	}
	p.wire = buf.Bytes()
	return nil
}

// setURLAuth turns r's URL's credentials into its Authorization header,
// as http.Client does; the request writer does not.
func setURLAuth(r *http.Request) {
	if u := r.URL.User; u != nil && r.Header.Get("Authorization") == "" {
		password, _ := u.Password()
		r.SetBasicAuth(u.Username(), password)
	}
}
