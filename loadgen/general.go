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
	client *http.Client
	ctx    context.Context // the run
}

func (s *httpSender) send(t *prepared, deadline time.Time) (int, int64, error) {
	ctx, cancel := context.WithDeadline(s.ctx, deadline)
	defer cancel()
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

// close does nothing: the connections are the transport's, shared.
func (s *httpSender) close() {}
