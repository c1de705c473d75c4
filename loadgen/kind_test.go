package loadgen

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"syscall"
	"testing"
	"time"

	"github.com/strain-dev/strain/internal/loadtest"
	"github.com/strain-dev/strain/loadgen/send"
)

// failTimeout is the timeout for requests that must fail as kind: short
// where the failure is the timeout, against a server that never answers,
// and otherwise long enough that no busy machine turns a failure that comes
// at once (a refusal, a TLS handshake, a 503) into a timeout.
func failTimeout(kind string) time.Duration {
	if kind == "timeout" {
		return 300 * time.Millisecond
	}
	return 10 * time.Second
}

func closedPort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr + "/"
}

// Each failure is counted under its kind, against a server that really
// fails that way.
func TestFailureKinds(t *testing.T) {
	tlsSrv := quietTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Cleanup(tlsSrv.Close)
	status := func(code int) string {
		s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(code) }))
		t.Cleanup(s.Close)
		return s.URL
	}
	tests := []struct {
		name string
		url  string
		want string
	}{
		{"refused", closedPort(t), "refused"},
		{"reset", loadtest.RawServer(t, func(c net.Conn) {
			loadtest.ReadRequest(c)
			c.(*net.TCPConn).SetLinger(0)
			c.Close()
		}), "reset"},
		{"eof", loadtest.RawServer(t, func(c net.Conn) { loadtest.ReadRequest(c); c.Close() }), "eof"},
		{"timeout", loadtest.RawServer(t, func(c net.Conn) { loadtest.ReadRequest(c); io.Copy(io.Discard, c); c.Close() }), "timeout"}, // answers never
		{"protocol", loadtest.RawServer(t, func(c net.Conn) { loadtest.ReadRequest(c); fmt.Fprint(c, "HTTP/1.1 abc nonsense\r\n\r\n"); c.Close() }), "protocol"},
		{"tls", tlsSrv.URL, "tls"},
		{"503", status(503), "http_5xx"},
		{"404", status(404), "http_4xx"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			forEachPathInTurn(t, func(t *testing.T, p path) {
				_, res := runEngine(t, context.Background(), p.on(Config{
					Targets: []Target{{URL: tt.url}}, Concurrency: 2, Requests: 4, Timeout: failTimeout(tt.want),
				}))
				if res.Requests != 4 || res.Errors != 4 {
					t.Errorf("requests %d errors %d, want 4 and 4", res.Requests, res.Errors)
				}
				if got := res.Kinds[tt.want]; got != 4 {
					t.Errorf("kinds = %v, want 4 × %s", res.Kinds, tt.want)
				}
			})
		})
	}
}

func TestOKStatusAcceptsListedCodes(t *testing.T) { forEachPath(t, testOKStatusAcceptsListedCodes) }

func testOKStatusAcceptsListedCodes(t *testing.T, p path) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(404) }))
	defer srv.Close()
	ok, err := ParseStatusSet("200-299,404")
	if err != nil {
		t.Fatal(err)
	}
	_, res := runEngine(t, context.Background(), p.on(Config{Targets: []Target{{URL: srv.URL}}, Requests: 5, OKStatus: ok}))
	if res.Errors != 0 || res.Status[404] != 5 {
		t.Errorf("errors %d, status %v: want 404 accepted", res.Errors, res.Status)
	}
}

func TestClassify(t *testing.T) {
	tests := []struct {
		err  error
		want Kind
	}{
		{nil, KindNone},
		{context.DeadlineExceeded, KindTimeout},
		{&net.DNSError{Err: "no such host", Name: "x.invalid", IsNotFound: true}, KindDNS},
		{&net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}, KindRefused},
		{fmt.Errorf("read: %w", syscall.ECONNRESET), KindReset},
		{fmt.Errorf("read: %w", &send.ProtocolError{What: "malformed chunked encoding"}), KindProtocol},
		{errors.New("net/http: HTTP/1.x transport connection broken: malformed MIME header line: x"), KindProtocol},
		{errors.New("invalid byte in chunk length"), KindProtocol},
		{errors.New("net/http: server response headers exceeded 10485760 bytes; aborted"), KindProtocol},
		{fmt.Errorf("read: %w", send.ErrBodyTooLarge), KindBodyTooLarge},
		{fmt.Errorf("Post \"http://127.0.0.1:1/\": %w", errors.New("http: server closed idle connection")), KindEOF},
		{errors.New("something odd"), KindOther},
	}
	for _, tt := range tests {
		if got := Classify(tt.err); got != tt.want {
			t.Errorf("Classify(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}

func TestParseStatusSet(t *testing.T) {
	tests := []struct {
		in      string
		ok, bad []int
		wantErr bool
	}{
		{"200", []int{200}, []int{201, 404}, false},
		{"200-299, 404", []int{200, 250, 299, 404}, []int{300, 500}, false},
		{"", nil, nil, true},
		{"99", nil, nil, true},
		{"300-200", nil, nil, true},
		{"2xx", nil, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			s, err := ParseStatusSet(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("error = %v, wantErr %v", err, tt.wantErr)
			}
			for _, c := range tt.ok {
				if !s.OK(c) {
					t.Errorf("%d rejected", c)
				}
			}
			for _, c := range tt.bad {
				if s.OK(c) {
					t.Errorf("%d accepted", c)
				}
			}
		})
	}
	var zero StatusSet
	if !zero.OK(399) || zero.OK(400) {
		t.Error("zero StatusSet must accept exactly the codes below 400")
	}
}
