package send_test

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"github.com/strain-dev/strain/loadgen/send"
	"github.com/strain-dev/strain/loadgen/template"
)

// A fixed target's body is its own, shared, request after request; a
// varying one's is filled for each request's number, in the worker's
// buffer; and a Frame that refuses the filled body leaves the request
// with its error, not sent.
func TestOutgoingSet(t *testing.T) {
	req, _ := http.NewRequest("POST", "http://127.0.0.1/", nil)
	fixed := &send.Prepared{Req: req, Body: []byte("same")}
	body, err := template.Parse("n={{seq}}", template.Body, template.Options{})
	if err != nil {
		t.Fatal(err)
	}
	varying := &send.Prepared{Req: req, Vary: &send.Varying{Body: body}}
	o := send.NewOutgoing()
	o.Set(fixed, 7)
	if string(o.Body) != "same" || &o.Body[0] != &fixed.Body[0] || o.Err != nil {
		t.Errorf("fixed: body %q (a copy: %v), %v", o.Body, &o.Body[0] != &fixed.Body[0], o.Err)
	}
	for _, seq := range []uint64{0, 41, 1_000_000} {
		o.Set(varying, seq)
		if want := "n=" + strconv.FormatUint(seq, 10); string(o.Body) != want || o.Seq != seq {
			t.Errorf("seq %d: body %q, want %q", seq, o.Body, want)
		}
	}
	refused := errors.New("not a message")
	framed := &send.Prepared{Req: req, Vary: &send.Varying{Body: body, Frame: func(dst, b []byte) ([]byte, error) {
		if string(b) == "n=3" {
			return dst, refused
		}
		return append(append(dst, '<'), b...), nil
	}}}
	o.Set(framed, 2)
	if string(o.Body) != "<n=2" || o.Err != nil {
		t.Errorf("framed: %q, %v", o.Body, o.Err)
	}
	if o.Set(framed, 3); o.Err != refused {
		t.Errorf("a refused body: error %v", o.Err)
	}
	if o.Set(fixed, 4); o.Err != nil {
		t.Errorf("the next request keeps the last one's error: %v", o.Err)
	}
}

func TestHostPort(t *testing.T) {
	for raw, want := range map[string]string{
		"http://h/x": "h:80", "https://h": "h:443", "http://h:8080": "h:8080", "https://[::1]:9/": "[::1]:9", "http://[::1]/": "[::1]:80",
	} {
		u, _ := url.Parse(raw)
		if got := send.HostPort(u); got != want {
			t.Errorf("HostPort(%s) = %s, want %s", raw, got, want)
		}
	}
}
