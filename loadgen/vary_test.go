package loadgen

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/strain-dev/strain/internal/loadtest"
	"github.com/strain-dev/strain/loadgen/send"
	"github.com/strain-dev/strain/loadgen/template"
	"github.com/strain-dev/strain/loadgen/transport"
)

// received is what a templated request carried, as the server read it.
type received struct {
	pathSeq, bodySeq  uint64
	randint           int
	name, rowHeader   string
	uuid, randstr     string
	bodyID, auth      string
	length, bodyBytes int64
}

// valueRecorder is a real server that records every request's values: the
// truth the templated requests are checked against.
type valueRecorder struct {
	mu   sync.Mutex
	got  []received
	errs []string
}

func (rec *valueRecorder) handler(w http.ResponseWriter, r *http.Request) {
	b, err := io.ReadAll(r.Body)
	var body struct {
		Seq uint64 `json:"seq"`
		S   string `json:"s"`
		ID  string `json:"id"`
	}
	if err == nil {
		err = json.Unmarshal(b, &body)
	}
	pathSeq, perr := strconv.ParseUint(strings.TrimPrefix(r.URL.Path, "/items/"), 10, 64)
	n, _ := strconv.Atoi(r.URL.Query().Get("r"))
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if err != nil || perr != nil {
		rec.errs = append(rec.errs, r.URL.String()+" "+string(b))
	}
	rec.got = append(rec.got, received{pathSeq: pathSeq, bodySeq: body.Seq, randint: n, name: r.URL.Query().Get("n"),
		rowHeader: r.Header.Get("X-Row"), uuid: r.Header.Get("X-Id"), randstr: body.S, bodyID: body.ID,
		auth: r.Header.Get("Authorization"), length: r.ContentLength, bodyBytes: int64(len(b))})
	io.WriteString(w, "ok")
}

// templated is the target the tests send: {{seq}} in the path and the
// body, the other values in the query, headers and body.
func templated(url string) Target {
	return Target{Method: "POST", URL: url + "/items/{{seq}}?r={{randint 5 9}}&n={{row.name}}",
		Header: http.Header{"X-Id": {"{{uuid}}"}, "X-Row": {"{{row.id}}"}, "Authorization": {"Bearer {{env STRAIN_TEST_TOKEN}}"}},
		Body:   []byte(`{"seq":{{seq}},"s":"{{randstr 7}}","id":"{{row.id}}"}`)}
}

var (
	uuidV4  = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	alnum7  = regexp.MustCompile(`^[A-Za-z0-9]{7}$`)
	rowIDs  = []string{"7", "8", "9"}
	rowName = []string{"ann", "bob smith", "c&d"}
)

// check checks each request the server saw against its template, and
// returns the seqs received, each with how often.
func (rec *valueRecorder) check(t *testing.T) map[uint64]int {
	t.Helper()
	rec.mu.Lock()
	defer rec.mu.Unlock()
	for _, e := range rec.errs {
		t.Errorf("the server could not read %s", e)
	}
	seqs := map[uint64]int{}
	uuids := map[string]bool{}
	for _, s := range rec.got {
		seqs[s.pathSeq]++
		row := s.pathSeq % 3
		switch {
		case s.bodySeq != s.pathSeq:
			t.Errorf("request %d: the body's seq %d", s.pathSeq, s.bodySeq)
		case s.randint < 5 || s.randint > 9:
			t.Errorf("request %d: randint 5 9 gave %d", s.pathSeq, s.randint)
		case s.name != rowName[row] || s.rowHeader != rowIDs[row] || s.bodyID != rowIDs[row]:
			t.Errorf("request %d: row %q/%q/%q, want row %d (%s, %s)", s.pathSeq, s.name, s.rowHeader, s.bodyID, row, rowIDs[row], rowName[row])
		case !uuidV4.MatchString(s.uuid) || uuids[s.uuid]:
			t.Errorf("request %d: uuid %q not a fresh v4 UUID", s.pathSeq, s.uuid)
		case !alnum7.MatchString(s.randstr):
			t.Errorf("request %d: randstr 7 gave %q", s.pathSeq, s.randstr)
		case s.length != s.bodyBytes:
			t.Errorf("request %d: Content-Length %d for a body of %d", s.pathSeq, s.length, s.bodyBytes)
		case s.auth != "Bearer s3cret":
			t.Errorf("request %d: Authorization %q", s.pathSeq, s.auth)
		}
		uuids[s.uuid] = true
	}
	return seqs
}

func templatedConfig(t *testing.T, url string) Config {
	t.Setenv("STRAIN_TEST_TOKEN", "s3cret")
	data, err := template.ReadData("testdata/users.csv", template.InTurn)
	if err != nil {
		t.Fatal(err)
	}
	return Config{Targets: []Target{templated(url)}, Data: data, Concurrency: 8, Requests: 600}
}

// Every path sends each request's own values: {{seq}} once each across
// the load, rows in turn, valid fresh UUIDs, values within their bounds,
// and a Content-Length that fits the body, whose length changes with
// {{seq}}'s digits.
func TestTemplatedRequests(t *testing.T) {
	for _, p := range []string{"wire", "nethttp", "h2"} {
		t.Run(p, func(t *testing.T) {
			rec := &valueRecorder{}
			var srv *httptest.Server
			if p == "h2" {
				srv, _ = loadtest.H2CServer(t, rec.handler)
			} else {
				srv = httptest.NewServer(http.HandlerFunc(rec.handler))
				defer srv.Close()
			}
			cfg := templatedConfig(t, srv.URL)
			cfg.HTTP2 = p == "h2"
			if p == "nethttp" {
				cfg.Transport = transport.NetHTTP
			}
			e, err := newEngine(cfg)
			if err != nil {
				t.Fatal(err)
			}
			if want := map[string]string{"wire": send.PathWire, "nethttp": send.PathNetHTTP, "h2": send.PathH2}[p]; e.Path() != want {
				t.Fatalf("path %s, want %s", e.Path(), want)
			}
			for range e.Start(context.Background()) {
			}
			res := e.Result()
			seqs := rec.check(t)
			if res.Requests != 600 || res.Errors != 0 || len(seqs) != 600 {
				t.Errorf("requests %d errors %d (%v); the server saw %d distinct seqs", res.Requests, res.Errors, res.Kinds, len(seqs))
			}
			for seq := uint64(0); seq < 600; seq++ {
				if seqs[seq] != 1 {
					t.Errorf("seq %d received %d times", seq, seqs[seq])
				}
			}
			var out int64
			for _, s := range rec.got {
				out += s.bodyBytes
			}
			if res.BytesOut != out {
				t.Errorf("bytes out %d, the server read %d", res.BytesOut, out)
			}
		})
	}
}

// A load split in segments numbers its requests as the whole: the
// segments together send each {{seq}} once.
func TestTemplatedSegments(t *testing.T) {
	for _, open := range []bool{false, true} {
		t.Run(map[bool]string{false: "closed", true: "open"}[open], func(t *testing.T) {
			rec := &valueRecorder{}
			srv := httptest.NewServer(http.HandlerFunc(rec.handler))
			defer srv.Close()
			whole := templatedConfig(t, srv.URL)
			whole.Requests = 301
			if open {
				whole.Rate = 3000
			}
			for i := 0; i < 3; i++ {
				cfg, err := whole.Split(Segment{Index: i, Count: 3})
				if err != nil {
					t.Fatal(err)
				}
				runEngine(t, context.Background(), cfg)
			}
			seqs := rec.check(t)
			for seq := uint64(0); seq < 301; seq++ {
				if seqs[seq] != 1 {
					t.Errorf("seq %d received %d times", seq, seqs[seq])
				}
			}
			if len(seqs) != 301 {
				t.Errorf("%d distinct seqs, want 301", len(seqs))
			}
		})
	}
}

func TestTemplateErrors(t *testing.T) {
	t.Setenv("STRAIN_TEST_TOKEN", "s3cret")
	for _, tt := range []struct {
		name string
		req  Request
		urls []string
		want string
	}{
		{"body", Request{Body: `{"id": {{rnd}}}`}, []string{"http://h/"}, `--body: 1:10: unknown function "rnd"`},
		{"header", Request{Header: []string{"Authorization: Bearer s3cret {{nope}}"}}, []string{"http://h/"}, `-H Authorization: 1:17: unknown function "nope"`},
		{"url", Request{}, []string{"http://h/a/{{seq}"}, "http://h/a/{{seq}: URL: 1:12: unclosed {{"},
		{"host", Request{}, []string{"http://h{{seq}}/"}, "not in the scheme, user or host"},
		{"env", Request{Header: []string{"X: {{env STRAIN_NOT_SET_ANYWHERE}}"}}, []string{"http://h/"}, "the variable is not set"},
		{"row without data", Request{Body: "{{row.id}}"}, []string{"http://h/"}, "no data file (--data-file)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.req.Targets(tt.urls)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Errorf("the error shows a header's value: %v", err)
			}
		})
	}
}

// A templated target beside fixed ones on one HTTP/2 connection: the
// fixed blocks kept as indices and the varying one's literals share one
// encoder's table, and Go's server decodes every block.
func TestTemplatedBesideFixedOnH2(t *testing.T) {
	var mu sync.Mutex
	paths := map[string]int{}
	srv, n := loadtest.H2CServer(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		paths[r.URL.Path+" "+r.Header.Get("X-A")]++
		mu.Unlock()
		loadtest.Hello(w, r)
	})
	targets := []Target{{URL: srv.URL + "/a", Header: http.Header{"X-A": {"1"}}}, {URL: srv.URL + "/v/{{seq}}", Header: http.Header{"X-A": {"{{randint 2 2}}"}}}, {URL: srv.URL + "/b"}}
	_, res := runEngine(t, context.Background(), Config{Targets: targets, HTTP2: true, Concurrency: 6, Connections: 1, Requests: 900})
	if res.Requests != 900 || res.Errors != 0 || n.Load() != 900 {
		t.Fatalf("requests %d errors %d (%v); the server answered %d", res.Requests, res.Errors, res.Kinds, n.Load())
	}
	varying := 0
	for p, k := range paths {
		switch {
		case p == "/a 1" || p == "/b ":
			if k != 300 {
				t.Errorf("%q %d times, want 300", p, k)
			}
		case strings.HasPrefix(p, "/v/") && strings.HasSuffix(p, " 2"):
			varying += k
		default:
			t.Errorf("the server saw %q", p)
		}
	}
	if varying != 300 {
		t.Errorf("the templated target %d times, want 300", varying)
	}
}
