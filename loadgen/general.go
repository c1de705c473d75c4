package loadgen

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"time"
)

// httpSender sends through net/http, the general path. Its workers share
// one client and its pool of connections.
type httpSender struct {
	client  *http.Client
	ctx     context.Context  // the run
	maxBody int64            // Config.MaxBody
	body    io.LimitedReader // each response's body, reused: one allocation less per request
}

func (s *httpSender) send(o *outgoing, deadline time.Time) (int, int64, error) {
	t := o.t
	ctx, cancel := context.WithDeadline(s.ctx, deadline)
	defer cancel()
	req := t.req
	if t.vary != nil {
		var err error
		if req, err = t.vary.request(req, o); err != nil {
			return 0, 0, err
		}
	}
	req = req.WithContext(ctx)
	if body := o.body; body != nil {
		req.Body = io.NopCloser(bytes.NewReader(body))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, 0, err
	}
	// Closing a body before its end closes its connection too, so a body
	// past the cap is read no further. A HEAD response's Content-Length
	// frames no body.
	defer resp.Body.Close()
	if resp.ContentLength > s.maxBody && !t.head {
		return resp.StatusCode, 0, errBodyTooLarge
	}
	s.body = io.LimitedReader{R: resp.Body, N: s.maxBody + 1}
	n, err := io.Copy(io.Discard, &s.body)
	s.body.R = nil
	if err == nil && n > s.maxBody {
		err = errBodyTooLarge
	}
	return resp.StatusCode, n, err
}

// close does nothing: the connections are the transport's, shared.
func (s *httpSender) close() {}
