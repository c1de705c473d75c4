package nethttp

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/strain-dev/strain/loadgen"
	"github.com/strain-dev/strain/loadgen/send"
)

// sendAll sends each of targets once, numbered from 0, through a sender
// of a transport with opts, and returns each response and error.
func sendAll(t *testing.T, opts send.Options, targets ...loadgen.Target) ([]send.Response, []error) {
	t.Helper()
	prepared, err := loadgen.Prepare(targets, nil)
	if err != nil {
		t.Fatal(err)
	}
	tr := New(opts, prepared)
	defer tr.Close()
	s := tr.Sender(context.Background())
	defer s.Close()
	o := send.NewOutgoing()
	var resps []send.Response
	var errs []error
	for i, p := range prepared {
		o.Set(p, uint64(i))
		resp, err := s.Send(o, time.Now().Add(10*time.Second))
		resps, errs = append(resps, resp), append(errs, err)
	}
	return resps, errs
}

// Each response's status and body bytes are what the server sent; a body
// past the cap is an error, found without reading it when its length says
// so, and a HEAD's length frames nothing; a redirect is the answer, not
// followed; a varying request is filled for its number.
func TestSend(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Method+" "+r.URL.RequestURI()+" "+r.Header.Get("X-N"))
		mu.Unlock()
		switch r.URL.Path {
		case "/big":
			w.Write(make([]byte, 2000))
		case "/away":
			http.Redirect(w, r, "/elsewhere", http.StatusFound)
		default:
			w.WriteHeader(http.StatusTeapot)
			w.Write([]byte("hello\n"))
		}
	}))
	defer srv.Close()
	opts := send.Options{Timeout: time.Minute, MaxBody: 1000, Concurrency: 1}
	resps, errs := sendAll(t, opts,
		loadgen.Target{URL: srv.URL + "/"}, loadgen.Target{URL: srv.URL + "/big"}, loadgen.Target{Method: "HEAD", URL: srv.URL + "/big"},
		loadgen.Target{URL: srv.URL + "/away"}, loadgen.Target{URL: srv.URL + "/v/{{seq}}", Header: http.Header{"X-N": {"n{{seq}}"}}})
	want := []send.Response{{Status: 418, Bytes: 6}, {Status: 200}, {Status: 200}, {Status: 302, Bytes: -1}, {Status: 418, Bytes: 6}}
	for i, w := range want {
		if resps[i].Status != w.Status || w.Bytes >= 0 && resps[i].Bytes != w.Bytes {
			t.Errorf("request %d: %+v, want %+v", i, resps[i], w)
		}
	}
	if !errors.Is(errs[1], send.ErrBodyTooLarge) || errs[0] != nil || errs[2] != nil || errs[3] != nil || errs[4] != nil {
		t.Errorf("errors %v, want the body past the cap's alone", errs)
	}
	if got := strings.Join(seen, "|"); !strings.Contains(got, "GET /v/4 n4") || strings.Contains(got, "/elsewhere") {
		t.Errorf("the server saw %s", got)
	}
}

func TestPath(t *testing.T) {
	tr := New(send.Options{}, nil)
	if tr.Path() != send.PathNetHTTP || tr.Gathers() {
		t.Errorf("path %s, gathers %v", tr.Path(), tr.Gathers())
	}
}
