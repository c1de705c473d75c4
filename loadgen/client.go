package loadgen

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"net/url"
	"time"
)

// sender is one worker's way to send requests, one at a time. Each worker
// owns its sender and uses it from its own goroutine only, so a sender
// keeps its connections to itself: no pool, lock or hand-off between
// workers.
type sender interface {
	// send sends o's request (o.t, filled for o.seq when it varies) and
	// reads the whole response, giving up at deadline or when the run
	// ends. A response of any status is not an error; the error is the
	// transport's, for Classify.
	send(o *outgoing, deadline time.Time) (status int, bytesIn int64, err error)
	// close releases the sender's connections.
	close()
}

// transport makes each worker's sender and holds what the workers share.
// Requests go out on one of two paths: the wire path, a lean HTTP/1.1
// client over raw connections (wire.go), for http and https targets; and
// net/http, the general path, for HTTP/2 and anything the wire path does
// not speak.
type transport struct {
	client    *http.Client // the general path
	endpoints []endpoint   // the wire path's; empty when it carries no target
	h2        *h2Pool      // the HTTP/2 fast path's; nil when it carries no target
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

// newTransport picks each target's path and renders the wire path's
// requests. generalOnly sends everything through net/http.
func newTransport(cfg *Config, targets []*prepared, generalOnly bool) *transport {
	tr := &transport{client: newHTTPClient(cfg), slack: time.Duration(float64(cfg.Timeout) * deadlineSlack), maxBody: cfg.MaxBody}
	switch {
	case generalOnly:
		return tr
	case cfg.HTTP2:
		tr.h2 = newH2Pool(cfg, targets)
		return tr
	}
	slots := map[string]int{}
	for _, p := range targets {
		u := p.req.URL
		if (u.Scheme != "http" && u.Scheme != "https") || p.render() != nil {
			continue // net/http sends it, and reports why it cannot
		}
		key := u.Scheme + "://" + hostPort(u)
		slot, ok := slots[key]
		if !ok {
			slot = len(tr.endpoints)
			slots[key] = slot
			tr.endpoints = append(tr.endpoints, newEndpoint(cfg, u))
		}
		p.endpoint = slot
	}
	return tr
}

func newEndpoint(cfg *Config, u *url.URL) endpoint {
	ep := endpoint{addr: hostPort(u)}
	if u.Scheme == "https" {
		// As net/http's transport would: verify the URL's host (not a
		// Host header's), and offer only HTTP/1.1.
		ep.tls = &tls.Config{InsecureSkipVerify: cfg.Insecure, ServerName: u.Hostname(), NextProtos: []string{"http/1.1"}}
	}
	return ep
}

// sender makes a worker's sender. ctx is the run: when it ends, the
// sender's request in flight is cut off.
func (tr *transport) sender(ctx context.Context) sender {
	general := &httpSender{client: tr.client, ctx: ctx, maxBody: tr.maxBody}
	if tr.h2 != nil {
		slot := int(tr.h2.next.Add(1)-1) % tr.h2.slots
		// The run's end cuts off the requests in flight: the pool's
		// connections fail them, which spares each a wait on ctx.
		unwatch := context.AfterFunc(ctx, tr.h2.close)
		return &h2Sender{ctx: ctx, unwatch: unwatch, pool: tr.h2, slot: slot, general: general, maxBody: tr.maxBody}
	}
	if len(tr.endpoints) == 0 {
		return general
	}
	return &wireSender{ctx: ctx, endpoints: tr.endpoints, conns: make([]*wireConn, len(tr.endpoints)), general: general, slack: tr.slack, maxBody: tr.maxBody}
}

// close releases the general path's idle connections and the HTTP/2
// fast path's; each wire sender closes its own.
func (tr *transport) close() {
	tr.client.CloseIdleConnections()
	if tr.h2 != nil {
		tr.h2.close()
	}
}

// gathers says whether the transport gathers the workers' requests into
// one write itself: the HTTP/2 fast path's writer does.
func (tr *transport) gathers() bool { return tr.path() == PathH2 }

// path says which path the run's requests take: the wire path, the
// HTTP/2 fast path, or net/http for all of them.
func (tr *transport) path() string {
	switch {
	case tr.h2 != nil && len(tr.h2.endpoints) > 0:
		return PathH2
	case len(tr.endpoints) > 0:
		return PathWire
	}
	return PathNetHTTP
}

// newHTTPClient is the general path's client: HTTP/1.1 keep-alive, TLS,
// HTTP/2 over TLS and h2c.
func newHTTPClient(cfg *Config) *http.Client {
	tr := &http.Transport{
		Proxy:               nil, // never route load through an environment proxy
		DialContext:         (&net.Dialer{Timeout: cfg.Timeout, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConnsPerHost: cfg.peakConcurrency(),
		IdleConnTimeout:     90 * time.Second,
		TLSHandshakeTimeout: cfg.Timeout,
		DisableCompression:  true,
		TLSClientConfig:     &tls.Config{InsecureSkipVerify: cfg.Insecure},
		Protocols:           new(http.Protocols),
	}
	if cfg.HTTP2 {
		tr.Protocols.SetHTTP2(true)
		tr.Protocols.SetUnencryptedHTTP2(true)
	} else {
		tr.Protocols.SetHTTP1(true)
	}
	return &http.Client{
		Transport: tr,
		// A load test measures the response it asked for, not where it points.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}
