// Package nethttp sends strain's requests through Go's own client,
// net/http: the general path, for HTTP/2 and anything strain's own
// clients (packages http1 and h2) do not carry. Its workers share one
// client and its pool of connections.
package nethttp

import (
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/strain-dev/strain/loadgen/send"
)

// Transport is the general path: net/http's client, shared by the
// workers.
type Transport struct {
	client  *http.Client
	maxBody int64
}

// New makes the client: HTTP/1.1 keep-alive, TLS, and with opts.HTTP2,
// HTTP/2 over TLS and h2c.
func New(opts send.Options, _ []*send.Prepared) *Transport {
	tr := &http.Transport{
		Proxy:               nil, // never route load through an environment proxy
		DialContext:         (&net.Dialer{Timeout: opts.Timeout, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConnsPerHost: max(opts.Concurrency, 1),
		IdleConnTimeout:     90 * time.Second,
		TLSHandshakeTimeout: opts.Timeout,
		DisableCompression:  true,
		TLSClientConfig:     &tls.Config{InsecureSkipVerify: opts.Insecure},
		Protocols:           new(http.Protocols),
	}
	if opts.HTTP2 {
		tr.Protocols.SetHTTP2(true)
		tr.Protocols.SetUnencryptedHTTP2(true)
	} else {
		tr.Protocols.SetHTTP1(true)
	}
	client := &http.Client{
		Transport: tr,
		// A load test measures the response it asked for, not where it points.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return &Transport{client: client, maxBody: opts.MaxBody}
}

// Sender makes a worker's sender on the shared client.
func (tr *Transport) Sender(ctx context.Context) send.Sender {
	return &sender{client: tr.client, ctx: ctx, maxBody: tr.maxBody}
}

// Path is PathNetHTTP.
func (tr *Transport) Path() string { return send.PathNetHTTP }

// Gathers is false.
func (tr *Transport) Gathers() bool { return false }

// Close releases the client's idle connections.
func (tr *Transport) Close() { tr.client.CloseIdleConnections() }

// sender is a worker's sender on the shared client.
type sender struct {
	client  *http.Client
	ctx     context.Context  // the run
	maxBody int64            // send.Options.MaxBody
	body    io.LimitedReader // each response's body, reused: one allocation less per request
}

// Send sends o's request, and reads its body to the end or the cap.
func (s *sender) Send(o *send.Outgoing, deadline time.Time) (send.Response, error) {
	t := o.T
	ctx, cancel := context.WithDeadline(s.ctx, deadline)
	defer cancel()
	req := t.Req
	if t.Vary != nil {
		var err error
		if req, err = request(t, o); err != nil {
			return send.Response{}, err
		}
	}
	req = req.WithContext(ctx)
	if body := o.Body; body != nil {
		req.Body = io.NopCloser(bytes.NewReader(body))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return send.Response{}, err
	}
	// Closing a body before its end closes its connection too, so a body
	// past the cap is read no further. A HEAD response's Content-Length
	// frames no body.
	defer resp.Body.Close()
	if resp.ContentLength > s.maxBody && !t.Head {
		return send.Response{Status: resp.StatusCode}, send.ErrBodyTooLarge
	}
	s.body = io.LimitedReader{R: resp.Body, N: s.maxBody + 1}
	n, err := io.Copy(io.Discard, &s.body)
	s.body.R = nil
	if err == nil && n > s.maxBody {
		err = send.ErrBodyTooLarge
	}
	return send.Response{Status: resp.StatusCode, Bytes: n}, err
}

// Close does nothing: the connections are the transport's, shared.
func (s *sender) Close() {}

// request is o's request, of a varying target t: its URL and header values
// filled. It allocates, as net/http does anyway.
func request(t *send.Prepared, o *send.Outgoing) (*http.Request, error) {
	v := t.Vary
	u, err := url.Parse(string(v.URL.Append(nil, o.F)))
	if err != nil {
		return nil, err
	}
	r := t.Req.Clone(t.Req.Context())
	r.URL = u
	for name, tpls := range v.Header {
		for i, tpl := range tpls {
			if tpl != nil {
				r.Header[name][i] = string(tpl.Append(nil, o.F))
			}
		}
	}
	r.ContentLength = int64(len(o.Body))
	return r, nil
}
