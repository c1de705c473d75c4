package loadgen

import (
	"context"
	"io"
	"log"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// seen records what a server received, for tests of what was sent.
type seen struct {
	mu      sync.Mutex
	protos  map[string]int
	methods map[string]int
	bodies  map[string]int
	headers map[string]int
}

func (s *seen) handler() http.Handler {
	s.protos, s.methods, s.bodies, s.headers = map[string]int{}, map[string]int{}, map[string]int{}, map[string]int{}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.protos[r.Proto]++
		s.methods[r.Method]++
		s.bodies[string(body)]++
		s.headers[r.Header.Get("X-Test")+"|"+r.Host]++
		s.mu.Unlock()
	})
}

func TestHTTP2OverTLSAndH2C(t *testing.T) { forEachPath(t, testHTTP2OverTLSAndH2C) }

func testHTTP2OverTLSAndH2C(t *testing.T, p path) {
	var tlsSeen, h2cSeen, h1Seen seen
	tlsSrv := httptest.NewUnstartedServer(tlsSeen.handler())
	tlsSrv.EnableHTTP2 = true
	tlsSrv.StartTLS()
	defer tlsSrv.Close()
	h2c := httptest.NewUnstartedServer(h2cSeen.handler())
	h2c.Config.Protocols = new(http.Protocols)
	h2c.Config.Protocols.SetHTTP1(true)
	h2c.Config.Protocols.SetUnencryptedHTTP2(true)
	h2c.Start()
	defer h2c.Close()
	h1 := httptest.NewUnstartedServer(h1Seen.handler())
	h1.EnableHTTP2 = true
	h1.StartTLS()
	defer h1.Close()

	tests := []struct {
		name  string
		url   string
		http2 bool
		seen  *seen
		proto string
	}{
		{"h2 over TLS", tlsSrv.URL, true, &tlsSeen, "HTTP/2.0"},
		{"h2c", h2c.URL, true, &h2cSeen, "HTTP/2.0"},
		{"HTTP/1.1 over TLS unless asked", h1.URL, false, &h1Seen, "HTTP/1.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, res := runEngine(t, context.Background(), p.on(Config{
				Targets: []Target{{URL: tt.url}}, Concurrency: 4, Requests: 40, HTTP2: tt.http2, Insecure: true,
			}))
			if res.Errors != 0 || res.Requests != 40 {
				t.Fatalf("requests %d errors %d kinds %v", res.Requests, res.Errors, res.Kinds)
			}
			if got := tt.seen.protos[tt.proto]; got != 40 {
				t.Errorf("server saw %v, want 40 × %s", tt.seen.protos, tt.proto)
			}
		})
	}
}

func TestMethodHeadersBodyAndRoundRobin(t *testing.T) {
	forEachPath(t, testMethodHeadersBodyAndRoundRobin)
}

func testMethodHeadersBodyAndRoundRobin(t *testing.T, p path) {
	var s seen
	srv := httptest.NewServer(s.handler())
	defer srv.Close()
	targets := []Target{
		{Method: "POST", URL: srv.URL + "/a", Header: http.Header{"X-Test": {"one"}, "Host": {"api.example"}}, Body: []byte(`{"x":1}`)},
		{URL: srv.URL + "/b", Header: http.Header{"X-Test": {"two"}}},
	}
	_, res := runEngine(t, context.Background(), p.on(Config{Targets: targets, Concurrency: 3, Requests: 100}))
	if res.Errors != 0 {
		t.Fatalf("errors: %v", res.Kinds)
	}
	want := map[string]map[string]int{
		"methods": {"POST": 50, "GET": 50},
		"bodies":  {`{"x":1}`: 50, "": 50},
		"headers": {"one|api.example": 50, "two|" + strings.TrimPrefix(srv.URL, "http://"): 50},
	}
	got := map[string]map[string]int{"methods": s.methods, "bodies": s.bodies, "headers": s.headers}
	for k, w := range want {
		for key, n := range w {
			if got[k][key] != n {
				t.Errorf("%s: got %v, want %v", k, got[k], w)
			}
		}
	}
	if res.BytesOut != 50*7 {
		t.Errorf("bytes_out = %d, want %d", res.BytesOut, 50*7)
	}
}

// Credentials in a URL are sent as basic authentication, and an
// Authorization header of the target's own wins over them.
func TestURLCredentials(t *testing.T) { forEachPath(t, testURLCredentials) }

func testURLCredentials(t *testing.T, p path) {
	var mu sync.Mutex
	got := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got[r.Header.Get("Authorization")]++
		mu.Unlock()
	}))
	defer srv.Close()
	withUser := strings.Replace(srv.URL, "http://", "http://ann:secret@", 1)
	targets := []Target{{URL: withUser}, {URL: withUser, Header: http.Header{"Authorization": {"Bearer x"}}}}
	_, res := runEngine(t, context.Background(), p.on(Config{Targets: targets, Concurrency: 2, Requests: 10}))
	mu.Lock()
	defer mu.Unlock()
	if want := map[string]int{"Basic YW5uOnNlY3JldA==": 5, "Bearer x": 5}; res.Errors != 0 || !maps.Equal(got, want) {
		t.Errorf("errors %d, server saw %v, want %v", res.Errors, got, want)
	}
}

// Targets on different hosts are sent in turn, each over connections to
// its own host.
func TestRoundRobinAcrossHosts(t *testing.T) { forEachPath(t, testRoundRobinAcrossHosts) }

func testRoundRobinAcrossHosts(t *testing.T, p path) {
	a, b := newCountingServer(t, 0), newCountingServer(t, 0)
	targets := []Target{{URL: a.URL}, {URL: b.URL + "/b"}, {URL: a.URL + "/a"}}
	_, res := runEngine(t, context.Background(), p.on(Config{Targets: targets, Concurrency: 4, Requests: 300}))
	if res.Requests != 300 || res.Errors != 0 {
		t.Fatalf("requests %d errors %d kinds %v", res.Requests, res.Errors, res.Kinds)
	}
	if got, want := [2]int64{a.count.Load(), b.count.Load()}, [2]int64{200, 100}; got != want {
		t.Errorf("servers counted %v, want %v", got, want)
	}
}

func TestTLSVerifiedUnlessInsecure(t *testing.T) { forEachPath(t, testTLSVerifiedUnlessInsecure) }

func testTLSVerifiedUnlessInsecure(t *testing.T, p path) {
	srv := quietTLSServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer srv.Close()
	for _, insecure := range []bool{false, true} {
		_, res := runEngine(t, context.Background(), p.on(Config{Targets: []Target{{URL: srv.URL}}, Requests: 3, Insecure: insecure}))
		wantErrs := int64(3)
		if insecure {
			wantErrs = 0
		}
		if res.Errors != wantErrs || res.Kinds["tls"] != wantErrs {
			t.Errorf("insecure=%v: errors %d kinds %v, want %d tls", insecure, res.Errors, res.Kinds, wantErrs)
		}
	}
}

func TestProbe(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	if err := Probe(context.Background(), []Target{{URL: srv.URL}, {URL: srv.URL + "/x"}}, 0); err != nil {
		t.Errorf("Probe(live) = %v", err)
	}
	dead := closedPort(t)
	err := Probe(context.Background(), []Target{{URL: srv.URL}, {URL: dead}}, 300_000_000)
	if err == nil || !strings.Contains(err.Error(), strings.TrimSuffix(strings.TrimPrefix(dead, "http://"), "/")) {
		t.Errorf("Probe(dead) = %v, want an error naming the address", err)
	}
}

// quietTLSServer is a TLS test server that does not log the handshakes
// strain's tests fail on purpose.
func quietTLSServer(h http.Handler) *httptest.Server {
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	return srv
}
