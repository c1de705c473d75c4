package loadgen

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// HTTP/2 as the fast path speaks it (RFC 9113). golang.org/x/net/http2
// frames what it writes and reads frame headers, hpack compresses; the
// connection handling is here: streams, flow control both ways, SETTINGS,
// PING, GOAWAY and RST_STREAM.
const (
	h2Preface      = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
	h2DefaultMax   = 100     // streams a connection opens before the server's SETTINGS say how many it takes
	h2PeerWindow   = 65_535  // the protocol's initial flow-control windows, until the server's SETTINGS
	h2MaxFrame     = 16_384  // the largest frame either side sends (the protocol's default; strain asks for no more)
	h2ConnWindow   = 1 << 30 // what strain lets the server send on a connection before a WINDOW_UPDATE
	h2MaxHeaderLen = 1 << 20 // a response's header block, at most
)

// h2StreamWindow is what strain lets the server send on a stream before a
// WINDOW_UPDATE: large, so that a response of any usual size needs none;
// a variable for the flow-control tests.
var h2StreamWindow uint32 = 1 << 24

// Why a stream failed, as the failure kinds count it.
var (
	errH2GoAway  = fmt.Errorf("http2: the server sent GOAWAY before this stream: %w", syscall.ECONNRESET)
	errH2Refused = fmt.Errorf("http2: the server refused the stream: %w", syscall.ECONNREFUSED)
	errH2Closed  = fmt.Errorf("http2: the connection closed: %w", io.ErrUnexpectedEOF)
	errH2NotSent = fmt.Errorf("http2: the connection closed before the stream was opened: %w", io.ErrUnexpectedEOF)
)

// retryable says whether a stream that failed with err may be sent again
// on a fresh connection: the server never processed it (RFC 9113 §8.7),
// or it never left strain.
func retryable(err error) bool {
	return err == errH2GoAway || err == errH2Refused || err == errH2NotSent
}

// h2Stream is one request in flight. A worker owns one and reuses it for
// each of its requests; the connection's reader fills it in under the
// connection's mu and signals done.
type h2Stream struct {
	id         uint32
	done       chan struct{} // one signal per request: the response is complete, or failed
	timer      *time.Timer
	status     int
	body       int64
	err        error
	maxBody    int64
	sendWindow int64  // what the server still takes on this stream
	recvUnack  int64  // bytes received on it since the last WINDOW_UPDATE
	seq        uint64 // the request's number: the stream is reused, request after request
	queued     bool   // waiting for the writer to open it
}

func newH2Stream() *h2Stream {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return &h2Stream{done: make(chan struct{}, 1), timer: t}
}

// h2Conn is one HTTP/2 connection, its streams shared by several workers.
type h2Conn struct {
	nc net.Conn

	wmu sync.Mutex // guards the writing side: a frame, or a request's frames, at a time
	// writers counts the goroutines writing or waiting to: the last of a
	// burst flushes, so that requests sent together share a write (and a
	// TLS record) rather than a system call each.
	writers atomic.Int32
	bw      *bufio.Writer

	qmu        sync.Mutex // guards the writer's queue
	queue      []h2Queued
	spare      []h2Queued
	writerDone bool          // the writer has ended with the connection: nothing more is queued
	wake       chan struct{} // the queue has requests
	fr         *http2.Framer
	enc        *hpack.Encoder
	hbuf       bytes.Buffer
	nextID     uint32

	mu         sync.Mutex // guards what follows; never held while waiting to write
	cond       *sync.Cond // a stream slot or send window freed, or the connection ended
	streams    map[uint32]*h2Stream
	active     int           // streams opened and not ended: those in streams, and those about to be
	maxStreams int           // the server's SETTINGS_MAX_CONCURRENT_STREAMS
	peerWindow int64         // its SETTINGS_INITIAL_WINDOW_SIZE: each new stream's send window
	sendWindow int64         // what the server still takes on the connection
	goneAway   bool          // GOAWAY received: no new stream
	err        error         // the connection's end: every stream fails with it
	settled    chan struct{} // closed at the server's first SETTINGS: the streams it takes are known
	dead       chan struct{} // closed when err is set

	// The reader's own, used by its goroutine alone.
	br          *bufio.Reader
	dec         *hpack.Decoder
	decoding    *h2Stream // the stream whose header block is being decoded; nil for one no longer waited for
	hdrs        []byte    // a header block being put together from CONTINUATION frames
	inBlock     bool      // hdrs holds a block not ended yet
	hdrStream   uint32
	hdrEnd      bool // the block's HEADERS ended its stream
	sawSettings bool // the server's first SETTINGS came: settled is closed
	payload     []byte
	recvUnack   int64 // bytes received on the connection since its last WINDOW_UPDATE
}

// newH2Conn starts HTTP/2 on nc (after TLS, if any): the preface, strain's
// SETTINGS and its connection window; its reader runs until nc ends.
func newH2Conn(nc net.Conn) (*h2Conn, error) {
	c := &h2Conn{nc: nc, nextID: 1, streams: make(map[uint32]*h2Stream, h2DefaultMax),
		maxStreams: h2DefaultMax, peerWindow: h2PeerWindow, sendWindow: h2PeerWindow,
		br: bufio.NewReaderSize(nc, 64<<10), payload: make([]byte, h2MaxFrame), wake: make(chan struct{}, 1),
		settled: make(chan struct{}), dead: make(chan struct{})}
	c.cond = sync.NewCond(&c.mu)
	c.bw = bufio.NewWriterSize(nc, 32<<10)
	c.fr = http2.NewFramer(c.bw, nil)
	c.enc = hpack.NewEncoder(&c.hbuf)
	c.dec = hpack.NewDecoder(4096, c.header)
	c.dec.SetMaxStringLength(h2MaxHeaderLen)
	c.bw.WriteString(h2Preface)
	c.fr.WriteSettings(http2.Setting{ID: http2.SettingEnablePush, Val: 0},
		http2.Setting{ID: http2.SettingInitialWindowSize, Val: h2StreamWindow},
		http2.Setting{ID: http2.SettingMaxHeaderListSize, Val: h2MaxHeaderLen})
	c.fr.WriteWindowUpdate(0, h2ConnWindow-h2PeerWindow)
	if err := c.bw.Flush(); err != nil {
		nc.Close()
		return nil, err
	}
	go c.read()
	go c.writer()
	return c, nil
}

// settle waits for the server's first SETTINGS, until ctx ends: a stream
// opened before would not know how many the server takes, and one past
// them would be refused, or reset once the SETTINGS are acknowledged.
func (c *h2Conn) settle(ctx context.Context) error {
	select {
	case <-c.settled:
		return nil
	case <-c.dead:
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.err
	case <-ctx.Done():
		c.close()
		return fmt.Errorf("http2: no SETTINGS from the server: %w", ctx.Err())
	}
}

// usable says whether new streams may open on c.
func (c *h2Conn) usable() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err == nil && !c.goneAway
}

// close ends c: its streams fail, its reader stops.
func (c *h2Conn) close() { c.fail(errH2Closed) }

// fail ends c with err, once: every stream in flight fails with it.
func (c *h2Conn) fail(err error) {
	c.mu.Lock()
	if c.err == nil {
		c.err = err
		close(c.dead)
		for id, st := range c.streams {
			st.err = err
			c.drop(id)
			signal(st)
		}
		c.cond.Broadcast()
	}
	c.mu.Unlock()
	c.nc.Close()
	select { // the writer fails what is queued, and ends
	case c.wake <- struct{}{}:
	default:
	}
}

// drop ends stream id's hold on a slot (called with mu held).
func (c *h2Conn) drop(id uint32) {
	delete(c.streams, id)
	c.active--
	c.cond.Signal()
}

func signal(st *h2Stream) {
	select {
	case st.done <- struct{}{}:
	default:
	}
}

// waitFor waits on c's cond until ok (called with mu held) or the
// deadline passes; it reports ok's last answer.
func (c *h2Conn) waitFor(deadline time.Time, ok func() bool) bool {
	if ok() {
		return true
	}
	wake := time.AfterFunc(time.Until(deadline), func() {
		c.mu.Lock()
		c.cond.Broadcast()
		c.mu.Unlock()
	})
	defer wake.Stop()
	for !ok() && time.Now().Before(deadline) {
		c.cond.Wait()
	}
	return ok()
}

// open registers st as a new stream, once the server takes one more.
func (c *h2Conn) open(st *h2Stream, deadline time.Time, maxBody int64) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.waitFor(deadline, func() bool { return c.err != nil || c.goneAway || c.active < c.maxStreams }) {
		return errTimeoutWaiting
	}
	if c.err != nil || c.goneAway {
		return errH2NotSent // the connection ended before it: it goes elsewhere
	}
	c.active++ // the slot is taken now, before the stream has its id
	st.status, st.body, st.err, st.maxBody, st.recvUnack = 0, 0, nil, maxBody, 0
	st.seq++
	st.sendWindow = c.peerWindow
	select { // a signal left from a request given up on
	case <-st.done:
	default:
	}
	return nil
}

// errTimeoutWaiting is a request that timed out before it could be sent:
// every stream the server takes was busy.
var errTimeoutWaiting = fmt.Errorf("http2: no stream free before the deadline: %w", timeoutErr{})

// roundTrip sends t as a new stream and waits for its response, until the
// deadline or done.
func (c *h2Conn) roundTrip(st *h2Stream, t *h2Request, deadline time.Time, done <-chan struct{}, maxBody int64) (int, int64, error) {
	if err := c.open(st, deadline, maxBody); err != nil {
		return 0, 0, err
	}
	if len(t.body) == 0 {
		if err := c.enqueue(st, t); err != nil {
			return 0, 0, err
		}
	} else if err := c.send(st, t, deadline); err != nil { // a body waits on flow control: its own frames
		c.cancel(st, err)
		return 0, 0, err
	}
	st.timer.Reset(time.Until(deadline))
	defer st.timer.Stop()
	select {
	case <-st.done:
	case <-st.timer.C:
		c.cancel(st, timeoutErr{})
	case <-done:
		c.cancel(st, errRunEnded)
	}
	c.mu.Lock()
	status, body, err := st.status, st.body, st.err
	c.mu.Unlock()
	return status, body, err
}

// timeoutErr is a request past its deadline: a net.Error that says so.
type timeoutErr struct{}

func (timeoutErr) Error() string   { return "http2: timeout awaiting response" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

// errRunEnded is a request cut off by the run's end.
var errRunEnded = errors.New("http2: the run ended")

// send writes t's HEADERS, and its DATA within the flow-control windows.
func (c *h2Conn) send(st *h2Stream, t *h2Request, deadline time.Time) error {
	c.writers.Add(1)
	c.wmu.Lock()
	c.hbuf.Reset()
	for _, f := range t.fields {
		c.enc.WriteField(f)
	}
	c.mu.Lock()
	if c.err != nil || c.goneAway {
		err := errH2NotSent // never opened: it goes once more, elsewhere
		c.active--
		c.mu.Unlock()
		c.endWrite(nil)
		return err
	}
	st.id = c.nextID
	c.nextID += 2
	c.streams[st.id] = st
	c.mu.Unlock()
	err := c.endWrite(c.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: st.id, BlockFragment: c.hbuf.Bytes(), EndStream: len(t.body) == 0, EndHeaders: true}))
	if err != nil {
		return err
	}
	if len(t.body) > 0 {
		return c.sendBody(st, t.body, deadline)
	}
	return nil
}

// sendBody writes body as DATA frames, each within what the server takes
// on the connection and the stream.
func (c *h2Conn) sendBody(st *h2Stream, body []byte, deadline time.Time) error {
	for len(body) > 0 {
		c.mu.Lock()
		ok := c.waitFor(deadline, func() bool { return c.err != nil || st.err != nil || (c.sendWindow > 0 && st.sendWindow > 0) })
		err := c.err
		if err == nil {
			err = st.err
		}
		if !ok {
			err = timeoutErr{}
		}
		n := int64(min(len(body), h2MaxFrame))
		if err == nil {
			n = min(n, c.sendWindow, st.sendWindow)
			c.sendWindow -= n
			st.sendWindow -= n
		}
		c.mu.Unlock()
		if err != nil {
			return err
		}
		c.writers.Add(1)
		c.wmu.Lock()
		if err := c.endWrite(c.fr.WriteData(st.id, int(n) == len(body), body[:n])); err != nil {
			return err
		}
		body = body[n:]
	}
	return nil
}

// cancel gives up on st with err, unless its response came meanwhile,
// and tells the server to stop sending it.
func (c *h2Conn) cancel(st *h2Stream, err error) {
	c.mu.Lock()
	live := c.streams[st.id] == st
	switch {
	case live:
		c.drop(st.id)
		st.err = err
	case st.queued: // still in the writer's queue: it will not be opened
		st.queued, st.err = false, err
		c.active--
		c.cond.Signal()
	}
	dead := c.err != nil
	c.mu.Unlock()
	if live && !dead {
		c.writeFrame(func() error { return c.fr.WriteRSTStream(st.id, http2.ErrCodeCancel) })
	}
}

// writeFrame writes one frame, to be flushed with the burst it is in.
func (c *h2Conn) writeFrame(write func() error) {
	c.writers.Add(1)
	c.wmu.Lock()
	c.endWrite(write())
}

// endWrite ends a write begun with writers.Add(1) and wmu.Lock, whose
// error is err: the last writer of a burst flushes. A failed write ends
// the connection.
func (c *h2Conn) endWrite(err error) error {
	if c.writers.Add(-1) == 0 && err == nil {
		err = c.bw.Flush()
	}
	c.wmu.Unlock()
	if err != nil {
		c.fail(err)
	}
	return err
}

// finish completes the stream id, if it is still waited for, with err.
func (c *h2Conn) finish(id uint32, err error) {
	c.mu.Lock()
	if st, ok := c.streams[id]; ok {
		c.drop(id)
		if st.err == nil {
			st.err = err
		}
		signal(st)
	}
	c.mu.Unlock()
}

// read reads frames until the connection ends.
func (c *h2Conn) read() {
	for {
		fh, err := http2.ReadFrameHeader(c.br)
		if err == nil && fh.Length > uint32(len(c.payload)) {
			err = &protocolError{what: "an HTTP/2 frame larger than strain asked for"}
		}
		if err == nil {
			_, err = io.ReadFull(c.br, c.payload[:fh.Length])
		}
		if err == nil {
			err = c.frame(fh, c.payload[:fh.Length])
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = errH2Closed
			}
			c.fail(err)
			return
		}
	}
}

// frame handles one frame from the server.
func (c *h2Conn) frame(fh http2.FrameHeader, p []byte) error {
	if c.inBlock && fh.Type != http2.FrameContinuation {
		return &protocolError{what: "an HTTP/2 header block cut by another frame"}
	}
	switch fh.Type {
	case http2.FrameData:
		return c.data(fh, p)
	case http2.FrameHeaders:
		return c.headers(fh, p)
	case http2.FrameContinuation:
		if !c.inBlock || fh.StreamID != c.hdrStream {
			return &protocolError{what: "an HTTP/2 CONTINUATION without its HEADERS"}
		}
		return c.addHeaders(fh, p)
	case http2.FrameRSTStream:
		if len(p) != 4 {
			return &protocolError{what: "an HTTP/2 RST_STREAM of the wrong size"}
		}
		code := http2.ErrCode(binary.BigEndian.Uint32(p))
		err := error(errH2Refused)
		if code != http2.ErrCodeRefusedStream {
			err = fmt.Errorf("http2: stream reset by the server (%v): %w", code, syscall.ECONNRESET)
		}
		c.finish(fh.StreamID, err)
	case http2.FrameSettings:
		return c.settings(fh, p)
	case http2.FramePing:
		if len(p) != 8 {
			return &protocolError{what: "an HTTP/2 PING of the wrong size"}
		}
		if !fh.Flags.Has(http2.FlagPingAck) {
			var data [8]byte
			copy(data[:], p)
			c.writeFrame(func() error { return c.fr.WritePing(true, data) })
		}
	case http2.FrameGoAway:
		if len(p) < 8 {
			return &protocolError{what: "an HTTP/2 GOAWAY too short"}
		}
		c.goAway(binary.BigEndian.Uint32(p) & (1<<31 - 1))
	case http2.FrameWindowUpdate:
		if len(p) != 4 {
			return &protocolError{what: "an HTTP/2 WINDOW_UPDATE of the wrong size"}
		}
		c.windowUpdate(fh.StreamID, int64(binary.BigEndian.Uint32(p)&(1<<31-1)))
	case http2.FramePushPromise:
		return &protocolError{what: "an HTTP/2 PUSH_PROMISE, which strain turned off"}
	}
	return nil // PRIORITY and unknown frames are ignored, as the protocol says
}

// unpad strips a DATA or HEADERS frame's padding.
func unpad(fh http2.FrameHeader, p []byte) ([]byte, error) {
	if !fh.Flags.Has(http2.FlagDataPadded) { // the same bit for HEADERS
		return p, nil
	}
	if len(p) == 0 || int(p[0]) >= len(p) {
		return nil, &protocolError{what: "an HTTP/2 frame's padding longer than the frame"}
	}
	return p[1 : len(p)-int(p[0])], nil
}

// data counts a DATA frame's bytes to its stream, gives the server its
// window back as it is used, and completes the stream at its end.
func (c *h2Conn) data(fh http2.FrameHeader, p []byte) error {
	body, err := unpad(fh, p)
	if err != nil {
		return err
	}
	c.recvUnack += int64(fh.Length)
	if c.recvUnack >= h2ConnWindow/2 {
		n := uint32(c.recvUnack)
		c.recvUnack = 0
		c.writeFrame(func() error { return c.fr.WriteWindowUpdate(0, n) })
	}
	end := fh.Flags.Has(http2.FlagDataEndStream)
	c.mu.Lock()
	st, ok := c.streams[fh.StreamID]
	var update uint32
	tooLarge := false
	if ok {
		st.body += int64(len(body))
		st.recvUnack += int64(fh.Length)
		tooLarge = st.body > st.maxBody
		if !end && !tooLarge && st.recvUnack >= int64(h2StreamWindow/2) {
			update, st.recvUnack = uint32(st.recvUnack), 0
		}
	}
	c.mu.Unlock()
	switch {
	case !ok:
		return nil // a stream given up on: its bytes counted for the connection only
	case tooLarge:
		c.finish(fh.StreamID, errBodyTooLarge)
		c.writeFrame(func() error { return c.fr.WriteRSTStream(fh.StreamID, http2.ErrCodeCancel) })
	case end:
		c.finish(fh.StreamID, nil)
	case update > 0:
		c.writeFrame(func() error { return c.fr.WriteWindowUpdate(fh.StreamID, update) })
	}
	return nil
}

// headers starts a header block: the response's, an interim one, or its
// trailers.
func (c *h2Conn) headers(fh http2.FrameHeader, p []byte) error {
	block, err := unpad(fh, p)
	if err != nil {
		return err
	}
	if fh.Flags.Has(http2.FlagHeadersPriority) {
		if len(block) < 5 {
			return &protocolError{what: "an HTTP/2 HEADERS frame too short for its priority"}
		}
		block = block[5:]
	}
	c.hdrs, c.hdrStream, c.hdrEnd, c.inBlock = c.hdrs[:0], fh.StreamID, fh.Flags.Has(http2.FlagHeadersEndStream), true
	return c.addHeaders(fh, block)
}

// addHeaders adds a fragment to the header block, and decodes the block
// at its end.
func (c *h2Conn) addHeaders(fh http2.FrameHeader, fragment []byte) error {
	if len(c.hdrs)+len(fragment) > h2MaxHeaderLen {
		return &protocolError{what: "an HTTP/2 header block over 1 MiB"}
	}
	c.hdrs = append(c.hdrs, fragment...)
	if !fh.Flags.Has(http2.FlagHeadersEndHeaders) {
		return nil
	}
	c.inBlock = false
	block := c.hdrs
	c.mu.Lock()
	st := c.streams[c.hdrStream]
	if st != nil && st.status >= 200 {
		st = nil // trailers: the status is known
	}
	c.decoding = st
	c.mu.Unlock()
	// Every block is decoded, a stream given up on's too: the
	// compression's state is the connection's. Only :status is wanted;
	// the header calls no more once it has it.
	c.dec.SetEmitEnabled(true)
	if _, err := c.dec.Write(block); err != nil {
		return &protocolError{what: "an HTTP/2 header block that does not decode: " + err.Error()}
	}
	if err := c.dec.Close(); err != nil {
		return &protocolError{what: "an HTTP/2 header block cut short"}
	}
	c.mu.Lock()
	final := st != nil && st.status >= 200
	if st != nil && st.status == 0 && st.err == nil {
		st.err = &protocolError{what: "an HTTP/2 response without :status"}
	}
	c.mu.Unlock()
	switch {
	case c.hdrEnd:
		c.finish(c.hdrStream, nil)
	case st != nil && !final && st.err != nil:
		c.finish(c.hdrStream, st.err)
	}
	return nil
}

// header takes one decoded header field: a stream's :status. 1xx
// statuses are interim: the final one follows.
func (c *h2Conn) header(f hpack.HeaderField) {
	c.dec.SetEmitEnabled(false)
	st := c.decoding
	if st == nil || f.Name != ":status" {
		return
	}
	code, err := strconv.Atoi(f.Value)
	c.mu.Lock()
	if err != nil || code < 100 || code > 999 {
		st.err = &protocolError{what: "an HTTP/2 :status that is not a status"}
	} else if code >= 200 {
		st.status = code
	}
	c.mu.Unlock()
}

// settings applies the server's SETTINGS, and acknowledges them.
func (c *h2Conn) settings(fh http2.FrameHeader, p []byte) error {
	if fh.Flags.Has(http2.FlagSettingsAck) {
		return nil
	}
	if len(p)%6 != 0 {
		return &protocolError{what: "an HTTP/2 SETTINGS frame of the wrong size"}
	}
	tableSize := int64(-1) // the server's HPACK table for what strain sends, if it says
	c.mu.Lock()
	for ; len(p) > 0; p = p[6:] {
		id, val := http2.SettingID(binary.BigEndian.Uint16(p)), binary.BigEndian.Uint32(p[2:])
		switch id {
		case http2.SettingHeaderTableSize:
			tableSize = int64(val)
		case http2.SettingMaxConcurrentStreams:
			c.maxStreams = int(min(val, 1<<20))
		case http2.SettingInitialWindowSize:
			if val > 1<<31-1 {
				c.mu.Unlock()
				return &protocolError{what: "an HTTP/2 initial window over 2^31-1"}
			}
			delta := int64(val) - c.peerWindow
			c.peerWindow = int64(val)
			for _, st := range c.streams {
				st.sendWindow += delta
			}
		}
	}
	c.cond.Broadcast()
	c.mu.Unlock()
	c.writeFrame(func() error {
		if tableSize >= 0 { // before the ACK: the next header block follows the new size
			c.enc.SetMaxDynamicTableSizeLimit(uint32(min(tableSize, 4096)))
		}
		return c.fr.WriteSettingsAck()
	})
	if !c.sawSettings {
		c.sawSettings = true
		close(c.settled)
	}
	return nil
}

// goAway stops new streams on c; those past last failed unprocessed and
// may be sent again elsewhere; the others finish. c closes once none is
// left.
func (c *h2Conn) goAway(last uint32) {
	c.mu.Lock()
	c.goneAway = true
	for id, st := range c.streams {
		if id > last {
			st.err = errH2GoAway
			c.drop(id)
			signal(st)
		}
	}
	idle := len(c.streams) == 0
	c.cond.Broadcast()
	c.mu.Unlock()
	if idle {
		c.fail(errH2GoAway)
	}
}

// windowUpdate gives back send window on the connection (id 0) or a
// stream.
func (c *h2Conn) windowUpdate(id uint32, n int64) {
	c.mu.Lock()
	if id == 0 {
		c.sendWindow += n
	} else if st, ok := c.streams[id]; ok {
		st.sendWindow += n
	}
	c.cond.Broadcast()
	c.mu.Unlock()
}
