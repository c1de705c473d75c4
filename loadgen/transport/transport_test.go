package transport_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/strain-dev/strain/loadgen"
	"github.com/strain-dev/strain/loadgen/send"
	"github.com/strain-dev/strain/loadgen/transport"
)

// For picks strain's HTTP/2 client with HTTP2, its HTTP/1.1 client
// otherwise, and net/http for a target neither speaks; NetHTTP, net/http
// alone. Each carries a request to a real server.
func TestFor(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("hello\n")) }))
	srv.Config.Protocols = new(http.Protocols)
	srv.Config.Protocols.SetHTTP1(true)
	srv.Config.Protocols.SetUnencryptedHTTP2(true)
	srv.Start()
	defer srv.Close()
	for _, c := range []struct {
		name   string
		make   send.Maker
		http2  bool
		url    string
		path   string
		gather bool
	}{
		{"h1", transport.For, false, srv.URL, send.PathWire, false},
		{"h2", transport.For, true, srv.URL, send.PathH2, true},
		{"net/http", transport.NetHTTP, false, srv.URL, send.PathNetHTTP, false},
		{"another scheme", transport.For, false, "ftp://127.0.0.1:1/", send.PathNetHTTP, false},
	} {
		prepared, err := loadgen.Prepare([]loadgen.Target{{URL: c.url}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		tr := c.make(send.Options{Timeout: 10 * time.Second, MaxBody: 1 << 20, HTTP2: c.http2, Concurrency: 1, H2Conns: 1}, prepared)
		if tr.Path() != c.path || tr.Gathers() != c.gather {
			t.Errorf("%s: path %s, gathers %v; want %s, %v", c.name, tr.Path(), tr.Gathers(), c.path, c.gather)
		}
		if c.path == send.PathNetHTTP && c.url != srv.URL {
			tr.Close()
			continue
		}
		s := tr.Sender(context.Background())
		o := send.NewOutgoing()
		o.Set(prepared[0], 0)
		if resp, err := s.Send(o, time.Now().Add(10*time.Second)); resp.Status != 200 || resp.Bytes != 6 || err != nil {
			t.Errorf("%s: %+v, %v", c.name, resp, err)
		}
		s.Close()
		tr.Close()
	}
}
