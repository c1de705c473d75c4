package h2

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/strain-dev/strain/internal/loadtest"
	"github.com/strain-dev/strain/loadgen"
	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

func TestH2CountsMatchTheServer(t *testing.T) {
	srv, n := loadtest.H2CServer(t, loadtest.Hello)
	_, res := runEngine(t, context.Background(), loadgen.Config{Targets: []loadgen.Target{{URL: srv.URL}}, HTTP2: true, Concurrency: 20, Connections: 2, Requests: 2000})
	if res.Requests != 2000 || res.Errors != 0 || res.Status[200] != 2000 || n.Load() != 2000 {
		t.Errorf("requests %d errors %d (%v) 200s %d; the server answered %d", res.Requests, res.Errors, res.Kinds, res.Status[200], n.Load())
	}
	if res.BytesIn != 2000*6 {
		t.Errorf("bytes in %d, want %d", res.BytesIn, 2000*6)
	}
}

func TestH2OverTLS(t *testing.T) {
	h, n := loadtest.Counting(t, loadtest.Hello)
	srv := httptest.NewUnstartedServer(h)
	srv.EnableHTTP2 = true
	srv.StartTLS()
	defer srv.Close()
	_, res := runEngine(t, context.Background(), loadgen.Config{Targets: []loadgen.Target{{URL: srv.URL}}, HTTP2: true, Insecure: true, Concurrency: 10, Requests: 500})
	if res.Requests != 500 || res.Errors != 0 || n.Load() != 500 {
		t.Errorf("requests %d errors %d (%v); the server answered %d", res.Requests, res.Errors, res.Kinds, n.Load())
	}
}

// Flow control both ways: responses far larger than the windows strain
// gives, and request bodies larger than the server's.
func TestH2FlowControl(t *testing.T) {
	defer func(w uint32) { h2StreamWindow = w }(h2StreamWindow)
	h2StreamWindow = 65_535
	big := make([]byte, 1<<20)
	srv, n := loadtest.H2CServer(t, func(w http.ResponseWriter, r *http.Request) {
		got, _ := io.Copy(io.Discard, r.Body)
		if got != 300_000 {
			t.Errorf("the server read %d bytes of body, want 300000", got)
		}
		w.Write(big)
	})
	_, res := runEngine(t, context.Background(), loadgen.Config{Targets: []loadgen.Target{{URL: srv.URL, Method: "POST", Body: make([]byte, 300_000)}},
		HTTP2: true, Concurrency: 4, Requests: 40, Timeout: 10 * time.Second, MaxBody: 2 << 20})
	if res.Requests != 40 || res.Errors != 0 || n.Load() != 40 || res.BytesIn != 40<<20 {
		t.Errorf("requests %d errors %d (%v) bytes in %d; the server answered %d", res.Requests, res.Errors, res.Kinds, res.BytesIn, n.Load())
	}
}

func TestH2MaxBody(t *testing.T) {
	srv, _ := loadtest.H2CServer(t, func(w http.ResponseWriter, r *http.Request) { w.Write(make([]byte, 100_000)) })
	_, res := runEngine(t, context.Background(), loadgen.Config{Targets: []loadgen.Target{{URL: srv.URL}}, HTTP2: true, Concurrency: 2, Requests: 10, MaxBody: 50_000})
	if res.Requests != 10 || res.Kinds[loadgen.KindBodyTooLarge.String()] != 10 {
		t.Errorf("requests %d kinds %v; want every one body_too_large", res.Requests, res.Kinds)
	}
}

// rawH2 is an HTTP/2 server written with the framer alone, to misbehave
// on cue: act decides, for the n-th stream of a connection (from 1), to
// answer it (200), refuse it, reset it, or send GOAWAY. It counts the
// streams it answered.
type rawH2 struct {
	answered atomic.Int64
	cancels  atomic.Int64 // RST_STREAM CANCEL frames from strain
	act      func(n int) h2Act
	// zeroTable makes the server's HPACK table for requests 0 bytes
	// (SETTINGS_HEADER_TABLE_SIZE 0), and decode every request's header
	// block with it: one that indexes is answered 400.
	zeroTable bool
	// literal answers with nginx's response headers, each a literal that
	// adds to the client's table (nginx 1.22 sends them so on every
	// response), where it would otherwise send :status alone, indexed.
	literal bool
	// shrinkAt makes the server decode every request's header block, and
	// at that stream shrink its table to 0 bytes by a SETTINGS frame: the
	// first block after strain's ACK must open with the size update
	// (RFC 7541 §4.2), or it is answered 400.
	shrinkAt int
}

type h2Act int

const (
	h2Answer h2Act = iota
	h2Refuse
	h2Reset
	h2GoAway // GOAWAY naming the stream before this one as the last processed, then close
	h2Ignore // no answer at all
)

func (s *rawH2) serve(t *testing.T) string { return loadtest.RawServer(t, s.conn) }

func (s *rawH2) conn(c net.Conn) {
	defer c.Close()
	preface := make([]byte, len(h2Preface))
	if _, err := io.ReadFull(c, preface); err != nil || string(preface) != h2Preface {
		return
	}
	fr := http2.NewFramer(c, c)
	settings := []http2.Setting{{ID: http2.SettingMaxConcurrentStreams, Val: 8}}
	var dec *hpack.Decoder
	if s.zeroTable {
		settings = append(settings, http2.Setting{ID: http2.SettingHeaderTableSize, Val: 0})
		dec = hpack.NewDecoder(0, nil)
	} else if s.shrinkAt > 0 {
		dec = hpack.NewDecoder(4096, nil)
	}
	fr.WriteSettings(settings...)
	n, acks, mustUpdate := 0, 0, false
	for {
		f, err := fr.ReadFrame()
		if err != nil {
			return
		}
		switch f := f.(type) {
		case *http2.SettingsFrame:
			if !f.IsAck() {
				fr.WriteSettingsAck()
			} else if acks++; acks == 2 { // the shrinking SETTINGS'
				dec.SetAllowedMaxDynamicTableSize(0)
				mustUpdate = true
			}
		case *http2.RSTStreamFrame:
			if f.ErrCode == http2.ErrCodeCancel {
				s.cancels.Add(1)
			}
		case *http2.HeadersFrame:
			n++
			if n == s.shrinkAt {
				fr.WriteSettings(http2.Setting{ID: http2.SettingHeaderTableSize, Val: 0})
			}
			if dec != nil {
				block := f.HeaderBlockFragment()
				updated := len(block) > 0 && block[0]&0xe0 == 0x20
				if _, err := dec.DecodeFull(block); err != nil || mustUpdate && !updated {
					fr.WriteHeaders(http2.HeadersFrameParam{StreamID: f.StreamID, BlockFragment: []byte{0x8c}, EndHeaders: true, EndStream: true}) // :status 400
					mustUpdate = false
					continue
				}
				mustUpdate = false
			}
			switch s.act(n) {
			case h2Answer:
				s.answered.Add(1)
				block := []byte{0x88} // :status 200
				if s.literal {
					block = nginxHeaders
				}
				fr.WriteHeaders(http2.HeadersFrameParam{StreamID: f.StreamID, BlockFragment: block, EndHeaders: true})
				fr.WriteData(f.StreamID, true, []byte("hello\n"))
			case h2Refuse:
				fr.WriteRSTStream(f.StreamID, http2.ErrCodeRefusedStream)
			case h2Reset:
				fr.WriteRSTStream(f.StreamID, http2.ErrCodeInternal)
			case h2GoAway:
				fr.WriteGoAway(f.StreamID-2, http2.ErrCodeNo, nil)
				time.Sleep(10 * time.Millisecond)
				return
			}
		}
	}
}

// nginxHeaders is nginx's response header block as it sends it on every
// response: :status indexed, then server, date, content-type and
// content-length each a literal with incremental indexing of a static
// table name (RFC 7541 §6.2.1).
var nginxHeaders = func() []byte {
	b := []byte{0x88}
	for _, f := range []struct {
		index byte
		value string
	}{{54, "nginx/1.22.1"}, {33, "Wed, 02 Dec 2026 04:23:43 GMT"}, {31, "text/plain"}, {28, "6"}} {
		b = append(append(b, 0x40|f.index, byte(len(f.value))), f.value...)
	}
	return b
}()

// GOAWAY mid-run (at every connection's 50th stream): the streams past
// the last one the server processed are sent again on a new connection,
// once; a retry that meets a GOAWAY again counts as reset. None is lost
// or counted twice.
func TestH2GoAwayMidRun(t *testing.T) {
	s := &rawH2{act: func(n int) h2Act {
		if n == 50 {
			return h2GoAway
		}
		return h2Answer
	}}
	url := s.serve(t)
	_, res := runEngine(t, context.Background(), loadgen.Config{Targets: []loadgen.Target{{URL: url}}, HTTP2: true, Concurrency: 8, Requests: 1000})
	if res.Requests != 1000 || int64(res.Status[200]) != s.answered.Load() || res.Status[200]+res.Kinds[loadgen.KindReset.String()] != 1000 || res.Errors > 20 {
		t.Errorf("requests %d errors %d (%v) 200s %d; the server answered %d", res.Requests, res.Errors, res.Kinds, res.Status[200], s.answered.Load())
	}
}

// A stream the server never answers times out at its deadline, and
// strain tells the server with RST_STREAM CANCEL; the others, on the same
// connection, are not held up by it.
func TestH2Timeout(t *testing.T) {
	s := &rawH2{act: func(n int) h2Act {
		if n%3 == 0 {
			return h2Ignore
		}
		return h2Answer
	}}
	url := s.serve(t)
	_, res := runEngine(t, context.Background(), loadgen.Config{Targets: []loadgen.Target{{URL: url}}, HTTP2: true, Concurrency: 4, Requests: 30, Timeout: time.Second})
	timeouts := int64(res.Kinds[loadgen.KindTimeout.String()])
	if res.Requests != 30 || timeouts != 10 || int64(res.Status[200]) != s.answered.Load() || res.Status[200] != 20 {
		t.Errorf("requests %d kinds %v 200s %d (the server answered %d); want 20 answered, 10 timeouts", res.Requests, res.Kinds, res.Status[200], s.answered.Load())
	}
	deadline := time.Now().Add(5 * time.Second)
	for s.cancels.Load() < timeouts && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond) // the last RST_STREAM may still be on its way
	}
	if s.cancels.Load() != timeouts {
		t.Errorf("the server read %d RST_STREAM CANCEL, want one per timeout (%d)", s.cancels.Load(), timeouts)
	}
}

// The run's end cuts off the streams still waiting for their answer at
// once, not at their deadline: they count as unfinished, not as failures.
func TestH2RunEndCutsOff(t *testing.T) {
	s := &rawH2{act: func(n int) h2Act {
		if n > 20 {
			return h2Ignore
		}
		return h2Answer
	}}
	url := s.serve(t)
	began := time.Now()
	_, res := runEngine(t, context.Background(), loadgen.Config{Targets: []loadgen.Target{{URL: url}}, HTTP2: true, Concurrency: 4, Duration: 300 * time.Millisecond, Timeout: time.Minute})
	if res.Requests != 20 || res.Errors != 0 || res.Unfinished != 4 {
		t.Errorf("requests %d errors %d (%v) unfinished %d; want the 20 answered, the 4 in flight cut off", res.Requests, res.Errors, res.Kinds, res.Unfinished)
	}
	if took := time.Since(began); took > 30*time.Second {
		t.Errorf("took %v: the streams cut off waited for their deadline", took)
	}
}

// A refused stream is sent once more; a reset one fails as reset; the
// server's SETTINGS_MAX_CONCURRENT_STREAMS (8) is never exceeded (it
// would refuse: see rawH2).
func TestH2RefusedAndReset(t *testing.T) {
	s := &rawH2{act: func(n int) h2Act {
		switch {
		case n%7 == 0:
			return h2Refuse
		case n%10 == 0:
			return h2Reset
		}
		return h2Answer
	}}
	url := s.serve(t)
	_, res := runEngine(t, context.Background(), loadgen.Config{Targets: []loadgen.Target{{URL: url}}, HTTP2: true, Concurrency: 8, Requests: 700})
	// A retry may land on a seventh stream too: refused twice, it counts.
	reset, refused := res.Kinds[loadgen.KindReset.String()], res.Kinds[loadgen.KindRefused.String()]
	if res.Requests != 700 || reset == 0 || refused >= 700/7/2 || res.Errors != reset+refused || int64(res.Status[200]) != s.answered.Load() {
		t.Errorf("requests %d errors %d (%v) 200s %d; the server answered %d", res.Requests, res.Errors, res.Kinds, res.Status[200], s.answered.Load())
	}
}

// Go's server at 3 streams a connection: strain keeps to it (a stream
// past it would be refused), with 12 requests in flight on one connection.
func TestH2KeepsToMaxConcurrentStreams(t *testing.T) {
	var inflight, most atomic.Int64
	srv, n := loadtest.H2CServer(t, func(w http.ResponseWriter, r *http.Request) {
		v := inflight.Add(1)
		for m := most.Load(); v > m && !most.CompareAndSwap(m, v); m = most.Load() {
		}
		time.Sleep(2 * time.Millisecond)
		inflight.Add(-1)
		loadtest.Hello(w, r)
	})
	srv.Config.HTTP2 = &http.HTTP2Config{MaxConcurrentStreams: 3}
	_, res := runEngine(t, context.Background(), loadgen.Config{Targets: []loadgen.Target{{URL: srv.URL}}, HTTP2: true, Concurrency: 12, Connections: 1, Requests: 300})
	if res.Requests != 300 || res.Errors != 0 || n.Load() != 300 || most.Load() > 3 {
		t.Errorf("requests %d errors %d (%v), server %d, most in flight %d (want ≤ 3)", res.Requests, res.Errors, res.Kinds, n.Load(), most.Load())
	}
}

// h2Env makes TestH2ResponderProcess serve instead of skipping.
const h2Env = "LOADGEN_H2_RESPONDER"

// TestH2ResponderProcess is the child of h2Process: it prints the URL of
// a rawH2 server that answers every stream, and serves until its stdin
// closes.
func TestH2ResponderProcess(t *testing.T) {
	if os.Getenv(h2Env) == "" {
		t.Skip("a helper process for the benchmarks")
	}
	s := &rawH2{act: func(int) h2Act { return h2Answer }, literal: os.Getenv(h2Env) == "literal"}
	fmt.Println(s.serve(t))
	io.Copy(io.Discard, os.Stdin)
}

// h2Process runs an HTTP/2 responder in a child process (so that its
// allocations are not the benchmark's) and returns its URL; mode
// "literal" answers with nginx's headers (nginxHeaders).
func h2Process(tb testing.TB, mode string) string {
	return loadtest.ChildProcess(tb, "TestH2ResponderProcess", h2Env+"="+cmp.Or(mode, "indexed"))
}

// BenchmarkH2Send is one worker's request after request on the HTTP/2
// fast path, against a responder in another process: the allocations
// per request in steady state. "indexed": the response's header block is
// :status alone, as a server that indexes its headers sends it after the
// first (Go's); "literal": nginx's headers, each a literal that the
// decoder (x/net's hpack) adds to its table as a new string.
func BenchmarkH2Send(b *testing.B) {
	for _, mode := range []string{"indexed", "literal", "templated"} {
		b.Run(mode, func(b *testing.B) {
			target := loadgen.Target{URL: h2Process(b, strings.TrimSuffix(mode, "templated"))}
			if mode == "templated" { // "indexed"'s server; {{seq}} in the path, {{uuid}} in a header
				target.URL += "items/{{seq}}"
				target.Header = http.Header{"X-Request-Id": {"{{uuid}}"}}
			}
			tr, p := transportFor(b, target)
			defer tr.Close()
			loadtest.SendLoop(b, tr.Sender(context.Background()), p[0], 200, 6)
		})
	}
}

// A server that does not speak HTTP/2 (Go's, HTTP/1.1 only, answers the
// preface with an HTTP/1.1 error and closes): every request fails at once,
// most as a protocol error (the others reset or cut off by the close);
// none waits for its timeout.
func TestH2AgainstAnHTTP1Server(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(loadtest.Hello))
	defer srv.Close()
	began := time.Now()
	_, res := runEngine(t, context.Background(), loadgen.Config{Targets: []loadgen.Target{{URL: srv.URL}}, HTTP2: true, Concurrency: 8, Requests: 400, Timeout: 20 * time.Second})
	if p := res.Kinds[loadgen.KindProtocol.String()]; res.Requests != 400 || res.Errors != 400 || p < 200 {
		t.Errorf("requests %d kinds %v; want 400 errors, protocol errors most", res.Requests, res.Kinds)
	}
	if took := time.Since(began); took > 10*time.Second {
		t.Errorf("took %v: requests waited for their timeout", took)
	}
}

// ProbeHTTP2 tells a server that speaks HTTP/1.1 alone, over TLS and in
// the clear, from one that speaks HTTP/2; a server that refuses
// connections is the run's to count.
func TestProbeHTTP2(t *testing.T) {
	h2c, _ := loadtest.H2CServer(t, loadtest.Hello)
	tls1, clear1 := httptest.NewTLSServer(http.HandlerFunc(loadtest.Hello)), httptest.NewServer(http.HandlerFunc(loadtest.Hello))
	t.Cleanup(tls1.Close)
	t.Cleanup(clear1.Close)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "http://" + l.Addr().String() + "/"
	l.Close()
	for _, c := range []struct {
		name, url, want string
	}{
		{"h2c", h2c.URL, ""},
		{"tls http/1.1", tls1.URL, `ALPN chose "http/1.1"`},
		{"clear http/1.1", clear1.URL, "answered HTTP/2's preface in HTTP/1"},
		{"refused", refused, ""},
	} {
		e, err := newEngine(loadgen.Config{Targets: []loadgen.Target{{URL: c.url}}, Insecure: true, Requests: 1})
		if err != nil {
			t.Fatal(err)
		}
		err = e.ProbeHTTP2(context.Background(), 2*time.Second)
		if c.want == "" && err != nil || c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "does not speak HTTP/2")) {
			t.Errorf("%s: ProbeHTTP2 = %v, want %q", c.name, err, c.want)
		}
	}
}

// nginxH2 starts nginx (skipping the test without it) serving h2c on a
// free loopback port, with conf's lines in its server block's http{}; it
// returns the URL and the path of its access log.
func nginxH2(t *testing.T, httpConf string) (url, accessLog string) {
	t.Helper()
	bin, err := exec.LookPath("nginx")
	if err != nil {
		t.Skip("no nginx (apt-get install -y nginx-light)")
	}
	dir := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	accessLog = dir + "/access.log"
	// One process (no master, no workers), so that stopping it by its
	// pid leaves nothing behind.
	conf := fmt.Sprintf(`daemon off; master_process off; pid %[1]s/nginx.pid; error_log %[1]s/error.log;
events { worker_connections 1024; }
http { access_log %[2]s; client_body_temp_path %[1]s; %[3]s
  server { listen %[4]s http2; location / { return 200 "hello\n"; } } }
`, dir, accessLog, httpConf, addr)
	if err := os.WriteFile(dir+"/nginx.conf", []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-c", dir+"/nginx.conf", "-e", dir+"/error.log")
	if err := cmd.Start(); err != nil {
		t.Skipf("nginx does not start: %v", err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	for end := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			break
		}
		if time.Now().After(end) {
			t.Skip("nginx did not listen within 5s")
		}
	}
	return "http://" + addr + "/", accessLog
}

// nginx closes an HTTP/2 connection with GOAWAY after keepalive_requests
// (here 100) streams: mid-run, again and again. Every request strain
// counts is one nginx logged, and none fails.
func TestH2NginxGoAway(t *testing.T) {
	url, accessLog := nginxH2(t, "keepalive_requests 100;")
	_, res := runEngine(t, context.Background(), loadgen.Config{Targets: []loadgen.Target{{URL: url}}, HTTP2: true, Concurrency: 20, Connections: 1, Requests: 2000})
	time.Sleep(100 * time.Millisecond) // nginx logs each request as it ends
	b, err := os.ReadFile(accessLog)
	if err != nil {
		t.Fatal(err)
	}
	logged := int64(bytes.Count(b, []byte("\n")))
	if res.Requests != 2000 || res.Errors != 0 || res.Status[200] != 2000 || logged != 2000 {
		t.Errorf("requests %d errors %d (%v) 200s %d; nginx logged %d", res.Requests, res.Errors, res.Kinds, res.Status[200], logged)
	}
}

// A server whose HPACK table for requests is 0 bytes (SETTINGS_HEADER_
// TABLE_SIZE 0): strain's header blocks index nothing it cannot hold, and
// the server decodes every one of them.
func TestH2HeaderTableSize(t *testing.T) {
	for name, s := range map[string]*rawH2{
		"from the start": {act: func(int) h2Act { return h2Answer }, zeroTable: true},
		"mid-connection": {act: func(int) h2Act { return h2Answer }, shrinkAt: 50},
	} {
		t.Run(name, func(t *testing.T) {
			url := s.serve(t)
			_, res := runEngine(t, context.Background(), loadgen.Config{Targets: []loadgen.Target{{URL: url, Header: http.Header{"X-Long": {strings.Repeat("x", 500)}}}},
				HTTP2: true, Concurrency: 4, Requests: 200})
			if res.Requests != 200 || res.Errors != 0 || res.Status[200] != 200 || s.answered.Load() != 200 {
				t.Errorf("requests %d errors %d (%v) statuses %v; the server answered %d", res.Requests, res.Errors, res.Kinds, res.Status, s.answered.Load())
			}
		})
	}
}
