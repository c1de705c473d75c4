package grpc

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/binary"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/strain-dev/strain/loadgen/grpc/grpctest"

	"golang.org/x/net/http2"
)

// Messages counts whole messages however the body is cut into frames:
// every split of a stream of messages of several sizes, an empty one
// among them.
func TestMessagesAnySplit(t *testing.T) {
	var body []byte
	for _, size := range []int{3, 0, 300, 1} {
		body = append(body, frame(bytes.Repeat([]byte{'x'}, size))...)
	}
	for cut := range len(body) + 1 {
		for _, step := range []int{1, 2, 7, len(body)} {
			var m Messages
			parts := [][]byte{body[:cut]}
			for rest := body[cut:]; len(rest) > 0; rest = rest[min(step, len(rest)):] {
				parts = append(parts, rest[:min(step, len(rest))])
			}
			for _, p := range parts {
				if err := m.Feed(p); err != nil {
					t.Fatal(err)
				}
			}
			if m.Count() != 4 || m.Partial() {
				t.Fatalf("cut %d step %d: %d messages, partial %v; want 4, whole", cut, step, m.Count(), m.Partial())
			}
		}
	}
	var m Messages
	m.Feed(body[:len(body)-1])
	if m.Count() != 3 || !m.Partial() {
		t.Errorf("a body cut short: %d messages, partial %v", m.Count(), m.Partial())
	}
	m.Reset()
	if m.Count() != 0 || m.Partial() {
		t.Errorf("after Reset: %+v", m)
	}
}

// A message past the bound fails at its prefix, before its bytes come.
func TestMessagesBound(t *testing.T) {
	m := Messages{Max: 100}
	if err := m.Feed(frame(make([]byte, 100))); err != nil || m.Count() != 1 {
		t.Fatalf("a message at the bound: %v, %d", err, m.Count())
	}
	if err := m.Feed([]byte{0, 0, 0, 0, 101}); err == nil || !strings.Contains(err.Error(), "101 bytes") {
		t.Errorf("over the bound: %v", err)
	}
	var d Messages
	if err := d.Feed([]byte{0, 0xff, 0xff, 0xff, 0xff}); err == nil {
		t.Error("a 4 GiB message with the default bound was taken")
	}
	if got := testing.AllocsPerRun(100, func() { d.Reset(); d.Feed(frame(nil)[:0]); m.Reset(); m.Feed([]byte{0, 0, 0, 0, 1, 'x'}) }); got != 0 {
		t.Errorf("%v allocations a feed", got)
	}
}

func TestStatus(t *testing.T) {
	for v, want := range map[string]Code{"0": OK, "14": Unavailable, "4": DeadlineExceeded, "16": Unauthenticated, "99": 99} {
		if c, ok := ParseStatus([]byte(v)); !ok || c != want {
			t.Errorf("ParseStatus(%q) = %v, %v", v, c, ok)
		}
	}
	for _, v := range []string{"", "-1", "1x", "99999999999", "4294967296"} {
		if _, ok := ParseStatus([]byte(v)); ok {
			t.Errorf("ParseStatus(%q) took it", v)
		}
	}
	if Code(99).String() != "CODE_99" || Unavailable.String() != "UNAVAILABLE" || Canceled.String() != "CANCELLED" {
		t.Error("names")
	}
	codes, err := ParseCodes("not_found, UNAVAILABLE,canceled")
	if err != nil || len(codes) != 3 || codes[0] != NotFound || codes[1] != Unavailable || codes[2] != Canceled {
		t.Errorf("ParseCodes = %v, %v", codes, err)
	}
	if _, err := ParseCodes("OK,NOPE"); err == nil || !strings.Contains(err.Error(), "NOPE") {
		t.Errorf("ParseCodes(NOPE) = %v", err)
	}
}

// A call made over plain HTTP/2 with the method's frame and headers, as
// strain's transport makes it, is answered by grpc-go: the messages
// streamed back are counted, and the status read from the trailers, for
// each method kind and status.
func TestCallGRPCGo(t *testing.T) {
	e := grpctest.Start(t, true)
	client := &http.Client{Transport: &http2.Transport{AllowHTTP: true,
		DialTLSContext: func(ctx context.Context, network, addr string, _ *tls.Config) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		}}}
	call := func(method, msg string) (Code, int) {
		t.Helper()
		m, err := Resolve(context.Background(), Target{Addr: e.Addr, Service: "strain.echo.Echo", Method: method}, Descriptors{})
		if err != nil {
			t.Fatal(err)
		}
		body, err := m.Frame([]byte(msg))
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest("POST", m.Scheme()+"://"+m.Addr+m.Path(), bytes.NewReader(body))
		for _, h := range Headers() {
			req.Header.Set(h[0], h[1])
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var n Messages
		buf := make([]byte, 7) // small reads: prefixes split across them
		for {
			k, err := resp.Body.Read(buf)
			if ferr := n.Feed(buf[:k]); ferr != nil {
				t.Fatal(ferr)
			}
			if err == io.EOF {
				break
			} else if err != nil {
				t.Fatal(err)
			}
		}
		v := resp.Trailer.Get("grpc-status")
		if v == "" { // trailers-only: the status came in the headers
			v = resp.Header.Get("grpc-status")
		}
		c, ok := ParseStatus([]byte(v))
		if !ok {
			t.Fatalf("grpc-status %q", v)
		}
		return c, n.Count()
	}
	before := e.Calls.Load()
	if c, n := call("Say", `{"key": "a"}`); c != OK || n != 1 {
		t.Errorf("Say: %v, %d messages", c, n)
	}
	if c, n := call("Stream", `{"key": "a", "count": 5}`); c != OK || n != 5 {
		t.Errorf("Stream: %v, %d messages", c, n)
	}
	for _, want := range []Code{Unavailable, NotFound, ResourceExhausted} {
		if c, n := call("Fail", `{"key": "`+want.String()+`"}`); c != want || n != 0 {
			t.Errorf("Fail(%v): %v, %d messages", want, c, n)
		}
	}
	if got := e.Calls.Load() - before; got != 5 {
		t.Errorf("the server counted %d calls, want 5", got)
	}
}

// frame is msg with its prefix, uncompressed.
func frame(msg []byte) []byte {
	out := make([]byte, prefixLen+len(msg))
	binary.BigEndian.PutUint32(out[1:prefixLen], uint32(len(msg)))
	copy(out[prefixLen:], msg)
	return out
}
