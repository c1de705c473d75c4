package loadgen

import (
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"time"
)

// sender sends one request and reports what came back. It is the seam where
// a leaner HTTP/1.1 path can replace net/http.
type sender interface {
	send(ctx context.Context, t *prepared) (status int, bytesIn int64, err error)
	close()
}

// prepared is a Target made ready to send many times.
type prepared struct {
	req  *http.Request
	body []byte
}

func prepare(t Target) (*prepared, error) {
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
	return &prepared{req: req, body: t.Body}, nil
}

// httpSender is the general path over net/http: HTTP/1.1 keep-alive, TLS,
// HTTP/2 over TLS and h2c.
type httpSender struct {
	client *http.Client
}

func newHTTPSender(cfg *Config) *httpSender {
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
	return &httpSender{client: &http.Client{
		Transport: tr,
		// A load test measures the response it asked for, not where it points.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

func (s *httpSender) send(ctx context.Context, t *prepared) (int, int64, error) {
	req := t.req.WithContext(ctx)
	if t.body != nil {
		req.Body = io.NopCloser(bytes.NewReader(t.body))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(t.body)), nil }
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, 0, err
	}
	n, err := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, n, err
}

func (s *httpSender) close() { s.client.CloseIdleConnections() }
