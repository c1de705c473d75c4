package loadgen

import (
	"fmt"
	"net/http"

	"github.com/strain-dev/strain/loadgen/grpc"
	"github.com/strain-dev/strain/loadgen/send"
	"github.com/strain-dev/strain/loadgen/template"
	"golang.org/x/net/http/httpguts"
)

// Prepare makes targets ready to send, as New does, with data for
// {{row.FIELD}}: what a transport (send.Maker) is given.
func Prepare(targets []Target, data *template.Data) ([]*send.Prepared, error) {
	var prepared []*send.Prepared
	for i, t := range targets {
		p, err := prepare(t, i, data)
		if err != nil {
			return nil, fmt.Errorf("prepare %s %s: %w", t.Method, t.URL, err)
		}
		prepared = append(prepared, p)
	}
	return prepared, nil
}

// prepare makes t, the index-th of the run's targets, ready to send: its
// templates compiled.
func prepare(t Target, index int, data *template.Data) (*send.Prepared, error) {
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
	p := &send.Prepared{Req: req, Body: t.Body, Index: index, Head: method == http.MethodHead, Vary: vary}
	if t.grpc {
		p.Watch = grpc.NewWatcher
	}
	if vary != nil && vary.Body != nil {
		p.Body = nil
	}
	p.Close = httpguts.HeaderValuesContainsToken(req.Header["Connection"], "close")
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		p.Replayable = true
	default:
		_, key := req.Header["Idempotency-Key"]
		_, xkey := req.Header["X-Idempotency-Key"]
		p.Replayable = key || xkey
	}
	return p, nil
}
