package h2

import (
	"bytes"
	"io"
	"net"
	"testing"
	"time"

	"github.com/strain-dev/strain/loadgen/grpc"
	"github.com/strain-dev/strain/loadgen/send"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// FuzzH2Read: whatever frames a server sends after its SETTINGS, the
// HTTP/2 reader ends the stream waiting on them (answered, or failed with
// the connection) once they run out, never panics, and never reports a
// status outside 200–999.
func FuzzH2Read(f *testing.F) {
	for _, seed := range h2Seeds(f) {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		status, body, err := h2Reads(t, in, false)
		if status != 0 && (status < 200 || status > 999) {
			t.Fatalf("status %d", status)
		}
		if err == nil && status == 0 {
			t.Fatal("a stream answered without a status")
		}
		if body < 0 || body > int64(len(in)) {
			t.Fatalf("body %d bytes from %d sent", body, len(in))
		}
	})
}

// h2Reads is what the reader makes of in, the frames a server sends
// after its SETTINGS, for a stream 1 waiting on them: the stream's
// status, body and error once in has run out.
func h2Reads(t *testing.T, in []byte, grpcCall bool) (status int, body int64, err error) {
	st := h2Stream1(t, in, grpcCall)
	st.conn.mu.Lock()
	defer st.conn.mu.Unlock()
	return st.status, st.body, st.err
}

// h2Stream1 is stream 1 once the reader has read in, a gRPC call's when
// grpcCall is set.
func h2Stream1(t *testing.T, in []byte, grpcCall bool) *stream {
	t.Helper()
	var buf bytes.Buffer
	http2.NewFramer(&buf, nil).WriteSettings()
	buf.Write(in)
	server := &h2Server{opened: make(chan struct{}), in: &buf}
	c, err := newConn(server)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.close)
	st := newStream(c)
	if err := c.open(st, outgoing{t: &request{watch: watchFor(grpcCall)}}, time.Now().Add(time.Minute), 1<<10); err != nil {
		t.Fatal(err)
	}
	c.mu.Lock()
	st.id, c.nextID = 1, 3 // as send opens it, without the request on the wire
	c.streams[1] = st
	c.mu.Unlock()
	close(server.opened)
	select {
	case <-st.done:
	case <-time.After(5 * time.Second):
		t.Fatal("the stream still waits 5s after the server's bytes ran out")
	}
	return st
}

// h2Seeds are real exchanges' frames, as a server sends them for stream 1.
func h2Seeds(f testing.TB) [][]byte {
	block := func(fields ...string) []byte {
		var b bytes.Buffer
		enc := hpack.NewEncoder(&b)
		for i := 0; i+1 < len(fields); i += 2 {
			enc.WriteField(hpack.HeaderField{Name: fields[i], Value: fields[i+1]})
		}
		return b.Bytes()
	}
	frames := func(write func(fr *http2.Framer) error) []byte {
		var b bytes.Buffer
		if err := write(http2.NewFramer(&b, nil)); err != nil {
			f.Fatal(err)
		}
		return b.Bytes()
	}
	ok := block(":status", "200", "content-type", "text/plain")
	return [][]byte{
		frames(func(fr *http2.Framer) error { // a response with a body
			fr.WriteSettingsAck()
			fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: ok, EndHeaders: true})
			return fr.WriteData(1, true, []byte("hello"))
		}),
		frames(func(fr *http2.Framer) error { // an interim 103, then 204 in HEADERS and CONTINUATION
			fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: block(":status", "103", "link", "</a>"), EndHeaders: true})
			b := block(":status", "204", "x-a", "b")
			fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: b[:2], EndStream: true})
			return fr.WriteContinuation(1, true, b[2:])
		}),
		frames(func(fr *http2.Framer) error { // trailers after a padded body
			fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: ok, EndHeaders: true})
			fr.WriteDataPadded(1, false, []byte("abc"), []byte{0, 0})
			return fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: block("grpc-status", "0"), EndHeaders: true, EndStream: true})
		}),
		frames(func(fr *http2.Framer) error { // PING, WINDOW_UPDATE, then a refusal
			fr.WritePing(false, [8]byte{1})
			fr.WriteWindowUpdate(0, 1000)
			return fr.WriteRSTStream(1, http2.ErrCodeRefusedStream)
		}),
		frames(func(fr *http2.Framer) error { // GOAWAY naming no stream
			return fr.WriteGoAway(0, http2.ErrCodeNo, []byte("bye"))
		}),
	}
}

// The seeds' answers: the reader reads real exchanges as they are.
func TestH2Seeds(t *testing.T) {
	seeds := h2Seeds(t)
	want := []struct {
		status int
		body   int64
		fails  bool
	}{{200, 5, false}, {204, 0, false}, {200, 3, false}, {0, 0, true}, {0, 0, true}}
	for i, w := range want {
		status, body, err := h2Reads(t, seeds[i], false)
		if status != w.status || body != w.body || (err != nil) != w.fails {
			t.Errorf("seed %d: status %d, body %d, error %v; want %d, %d, failed %v", i, status, body, err, w.status, w.body, w.fails)
		}
	}
}

// h2Server is a server's side of a connection that sends in, once the
// stream is opened, then ends, and takes whatever strain writes.
type h2Server struct {
	opened chan struct{}
	in     io.Reader
}

func (s *h2Server) Read(p []byte) (int, error) {
	<-s.opened
	return s.in.Read(p)
}

func (s *h2Server) Write(p []byte) (int, error)      { return len(p), nil }
func (s *h2Server) Close() error                     { return nil }
func (s *h2Server) LocalAddr() net.Addr              { return &net.TCPAddr{} }
func (s *h2Server) RemoteAddr() net.Addr             { return &net.TCPAddr{} }
func (s *h2Server) SetDeadline(time.Time) error      { return nil }
func (s *h2Server) SetReadDeadline(time.Time) error  { return nil }
func (s *h2Server) SetWriteDeadline(time.Time) error { return nil }

// FuzzGRPCRead: whatever frames answer a gRPC call, the reader ends it,
// never panics, counts no more messages than the body's bytes hold, and
// gives a status that is a gRPC code's.
func FuzzGRPCRead(f *testing.F) {
	for _, seed := range append(h2Seeds(f), grpcSeeds(f)...) {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		st := h2Stream1(t, in, true)
		st.conn.mu.Lock()
		defer st.conn.mu.Unlock()
		if n := st.watcher.Messages(); n*5 > st.body {
			t.Fatalf("%d messages in %d bytes", n, st.body)
		}
		if st.err == nil && st.status != 0 {
			if s := st.watcher.Status(st.status); s < 1 || s > grpc.Counted(grpc.Unauthenticated) {
				t.Fatalf("status %d", s)
			}
		}
	})
}

// grpcSeeds are a gRPC call's answers: a unary reply, a stream of three
// whose prefixes cross frames, a trailers-only failure, and a reset.
func grpcSeeds(f testing.TB) [][]byte {
	// Each seed is a connection of its own: its blocks' compression starts
	// afresh.
	var b bytes.Buffer
	var enc *hpack.Encoder
	block := func(fields ...string) []byte {
		b.Reset()
		for i := 0; i+1 < len(fields); i += 2 {
			enc.WriteField(hpack.HeaderField{Name: fields[i], Value: fields[i+1]})
		}
		return bytes.Clone(b.Bytes())
	}
	msg := []byte{0, 0, 0, 0, 3, 'a', 'b', 'c'}
	var out [][]byte
	for _, write := range []func(fr *http2.Framer){
		func(fr *http2.Framer) {
			fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: block(":status", "200", "content-type", "application/grpc"), EndHeaders: true})
			fr.WriteData(1, false, msg)
			fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: block("grpc-status", "0", "grpc-message", ""), EndHeaders: true, EndStream: true})
		},
		func(fr *http2.Framer) {
			fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: block(":status", "200"), EndHeaders: true})
			three := bytes.Repeat(msg, 3)
			fr.WriteData(1, false, three[:6])
			fr.WriteData(1, false, three[6:11])
			fr.WriteData(1, false, three[11:])
			fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: block("grpc-status", "0"), EndHeaders: true, EndStream: true})
		},
		func(fr *http2.Framer) {
			fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: block(":status", "200", "grpc-status", "14", "grpc-message", "down"), EndHeaders: true, EndStream: true})
		},
		func(fr *http2.Framer) {
			fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: block(":status", "200"), EndHeaders: true})
			fr.WriteRSTStream(1, http2.ErrCodeCancel)
		},
	} {
		var frames bytes.Buffer
		enc = hpack.NewEncoder(&b)
		write(http2.NewFramer(&frames, nil))
		out = append(out, frames.Bytes())
	}
	return out
}

// The gRPC seeds' answers: statuses and messages as sent.
func TestGRPCSeeds(t *testing.T) {
	want := []struct {
		code     grpc.Code
		messages int
	}{{grpc.OK, 1}, {grpc.OK, 3}, {grpc.Unavailable, 0}, {grpc.Canceled, 0}}
	for i, seed := range grpcSeeds(t) {
		st := h2Stream1(t, seed, true)
		st.conn.mu.Lock()
		code, n, err := st.watcher.Status(st.status), st.watcher.Messages(), st.err
		st.conn.mu.Unlock()
		if err != nil || code != grpc.Counted(want[i].code) || n != int64(want[i].messages) {
			t.Errorf("seed %d: status %d, %d messages, %v; want %v, %d", i, code, n, err, want[i].code, want[i].messages)
		}
	}
}

// watchFor is a gRPC call's watcher maker when grpcCall is set, else none.
func watchFor(grpcCall bool) func() send.Watcher {
	if grpcCall {
		return grpc.NewWatcher
	}
	return nil
}
