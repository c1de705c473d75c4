package h2

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"

	"github.com/strain-dev/strain/loadgen/send"
	"github.com/strain-dev/strain/loadgen/template"
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

// stream is one request in flight. A worker owns one and reuses it for
// each of its requests on one connection; the connection's reader fills
// it in under the connection's mu and signals done, and so does its
// timer when the deadline passes first.
type stream struct {
	conn       *conn
	id         uint32
	done       chan struct{} // one signal per request: the response is complete, or failed
	timer      *time.Timer   // calls expire at the deadline
	deadline   time.Time
	status     int
	body       int64
	err        error
	maxBody    int64
	sendWindow int64 // what the server still takes on this stream
	// reserved is the send window taken, at open, for a body the writer
	// sends with its HEADERS (reserve); 0 when the worker sends its own.
	reserved  int64
	recvUnack int64  // bytes received on it since the last WINDOW_UPDATE
	seq       uint64 // the request's number: the stream is reused, request after request
	queued    bool   // waiting for the writer to open it
	// watcher reads a response beyond HTTP (send.Watcher) when watching:
	// the request in flight is of a protocol carried on HTTP/2, gRPC.
	watcher  send.Watcher
	watching bool
}

func newStream(c *conn) *stream {
	st := &stream{conn: c, done: make(chan struct{}, 1)}
	st.timer = time.AfterFunc(time.Hour, st.expire)
	st.timer.Stop()
	return st
}

// expire gives up on the request in flight once its deadline has passed.
// A call that comes late, from a request already answered, finds the
// next one's deadline ahead, or its number changed, and does nothing.
func (st *stream) expire() {
	c := st.conn
	c.mu.Lock()
	seq, due := st.seq, !time.Now().Before(st.deadline)
	c.mu.Unlock()
	if due {
		c.cancel(st, seq, timeoutErr{})
	}
}

// conn is one HTTP/2 connection, its streams shared by several workers.
type conn struct {
	nc net.Conn

	wmu sync.Mutex // guards the writing side: a frame, or a request's frames, at a time
	// writers counts the goroutines writing or waiting to: the last of a
	// burst flushes, so that requests sent together share a write (and a
	// TLS record) rather than a system call each.
	writers atomic.Int32
	bw      *bufio.Writer

	qmu        sync.Mutex // guards the writer's queue
	queue      []queuedRequest
	spare      []queuedRequest
	writerDone bool          // the writer has ended with the connection: nothing more is queued
	wake       chan struct{} // the queue has requests
	fr         *http2.Framer
	enc        *hpack.Encoder
	hbuf       bytes.Buffer
	filler     *template.Filler        // under wmu: fills a varying request's fields (write.go)
	vbuf       []byte                  // under wmu: a field's value, filled
	blocks     map[*request]*keptBlock // under wmu, as the encoder's table stood (write.go)
	tableGen   uint64                  // counts the blocks that may have changed the encoder's table
	nextID     uint32

	mu         sync.Mutex // guards what follows; never held while waiting to write
	cond       *sync.Cond // a stream slot or send window freed, or the connection ended
	streams    map[uint32]*stream
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
	decoding    *stream // the stream whose header block is being decoded; nil for one no longer waited for
	sawStatus   bool    // the block being decoded had a :status, 1xx included
	inTrailers  bool    // the block being decoded is a response's trailers
	hdrs        []byte  // a header block being put together from CONTINUATION frames
	inBlock     bool    // hdrs holds a block not ended yet
	hdrStream   uint32
	hdrEnd      bool // the block's HEADERS ended its stream
	sawSettings bool // the server's first SETTINGS came: settled is closed
	payload     []byte
	recvUnack   int64 // bytes received on the connection since its last WINDOW_UPDATE
}

// newConn starts HTTP/2 on nc (after TLS, if any): the preface, strain's
// SETTINGS and its connection window; its reader runs until nc ends.
func newConn(nc net.Conn) (*conn, error) {
	c := &conn{nc: nc, nextID: 1, streams: make(map[uint32]*stream, h2DefaultMax),
		maxStreams: h2DefaultMax, peerWindow: h2PeerWindow, sendWindow: h2PeerWindow,
		br: bufio.NewReaderSize(nc, 64<<10), payload: make([]byte, h2MaxFrame), wake: make(chan struct{}, 1),
		settled: make(chan struct{}), dead: make(chan struct{})}
	c.cond = sync.NewCond(&c.mu)
	c.bw = bufio.NewWriterSize(nc, 32<<10)
	c.fr = http2.NewFramer(c.bw, nil)
	c.enc = hpack.NewEncoder(&c.hbuf)
	c.filler = template.NewFiller()
	c.blocks = map[*request]*keptBlock{}
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
func (c *conn) settle(ctx context.Context) error {
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
func (c *conn) usable() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err == nil && !c.goneAway
}

// close ends c: its streams fail, its reader stops.
func (c *conn) close() { c.fail(errH2Closed) }

// fail ends c with err, once: every stream in flight fails with it.
func (c *conn) fail(err error) {
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
func (c *conn) drop(id uint32) {
	delete(c.streams, id)
	c.active--
	c.cond.Signal()
}

func signal(st *stream) {
	select {
	case st.done <- struct{}{}:
	default:
	}
}

// waitFor waits on c's cond until ok (called with mu held) or the
// deadline passes; it reports ok's last answer.
func (c *conn) waitFor(deadline time.Time, ok func() bool) bool {
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
func (c *conn) open(st *stream, t outgoing, deadline time.Time, maxBody int64) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.waitFor(deadline, func() bool { return c.err != nil || c.goneAway || c.active < c.maxStreams }) {
		return errTimeoutWaiting
	}
	if c.err != nil || c.goneAway {
		return errH2NotSent // the connection ended before it: it goes elsewhere
	}
	c.active++ // the slot is taken now, before the stream has its id
	st.status, st.body, st.err, st.maxBody, st.recvUnack, st.deadline = 0, 0, nil, maxBody, 0, deadline
	st.seq++
	st.watching = t.t.watch != nil
	if st.watching {
		if st.watcher == nil {
			st.watcher = t.t.watch()
		}
		st.watcher.Begin()
	}
	st.sendWindow = c.peerWindow
	c.reserve(st, t)
	select { // a signal left from a request given up on
	case <-st.done:
	default:
	}
	return nil
}

// reserve takes the send windows for t's body (called with mu held), when
// the body is the target's own, fixed, fits one frame and both windows
// have room for it now: the writer then sends it with its HEADERS, in the
// batch, one write for many requests, as for those without a body. A
// body filled per request is the worker's buffer, which it may reuse once
// it has given up on the request: that body it sends itself (send).
func (c *conn) reserve(st *stream, t outgoing) {
	st.reserved = 0
	n := int64(len(t.body))
	if n == 0 || n > h2MaxFrame || n > c.sendWindow || n > st.sendWindow || t.t.vary != nil && t.t.lenField >= 0 {
		return
	}
	c.sendWindow -= n
	st.sendWindow -= n
	st.reserved = n
}

// unreserve gives back the connection's window that st's body had taken,
// when the body will not be sent (called with mu held).
func (c *conn) unreserve(st *stream) {
	c.sendWindow += st.reserved
	st.reserved = 0
}

// errTimeoutWaiting is a request that timed out before it could be sent:
// every stream the server takes was busy.
var errTimeoutWaiting = fmt.Errorf("http2: no stream free before the deadline: %w", timeoutErr{})

// roundTrip sends t as a new stream and waits for its response, or its
// deadline. The run's end fails it with the connection (pool.close).
func (c *conn) roundTrip(st *stream, t outgoing, deadline time.Time, maxBody int64) (send.Response, error) {
	if err := c.open(st, t, deadline, maxBody); err != nil {
		return send.Response{}, err
	}
	st.timer.Reset(time.Until(deadline))
	if len(t.body) == 0 || st.reserved > 0 {
		if err := c.enqueue(st, t); err != nil {
			st.timer.Stop()
			return send.Response{}, err
		}
	} else if err := c.send(st, t, deadline); err != nil { // a body waits on flow control: its own frames
		st.timer.Stop()
		c.cancel(st, st.seq, err)
		return send.Response{}, err
	}
	<-st.done
	st.timer.Stop()
	c.mu.Lock()
	resp, err := send.Response{Status: st.status, Bytes: st.body}, st.err
	if st.watching {
		resp.Messages = st.watcher.Messages()
		if err == nil {
			resp.Status = st.watcher.Status(resp.Status)
		}
	}
	c.mu.Unlock()
	return resp, err
}

// timeoutErr is a request past its deadline: a net.Error that says so.
type timeoutErr struct{}

func (timeoutErr) Error() string   { return "http2: timeout awaiting response" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

// errRunEnded is a request cut off by the run's end.
var errRunEnded = errors.New("http2: the run ended")

// send writes t's HEADERS, and its DATA within the flow-control windows.
func (c *conn) send(st *stream, t outgoing, deadline time.Time) error {
	c.writers.Add(1)
	c.wmu.Lock()
	block := c.block(t)
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
	err := c.endWrite(c.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: st.id, BlockFragment: block, EndStream: len(t.body) == 0, EndHeaders: true}))
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
func (c *conn) sendBody(st *stream, body []byte, deadline time.Time) error {
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

// cancel gives up on st's request numbered seq with err, unless its
// response came meanwhile, tells the server to stop sending it, and wakes
// its worker.
func (c *conn) cancel(st *stream, seq uint64, err error) {
	c.mu.Lock()
	if st.seq != seq {
		c.mu.Unlock()
		return // a later request of the stream: this one ended already
	}
	live := c.streams[st.id] == st
	switch {
	case live:
		c.drop(st.id)
		st.err = err
		signal(st)
	case st.queued: // still in the writer's queue: it will not be opened
		st.queued, st.err = false, err
		c.unreserve(st)
		c.active--
		c.cond.Signal()
		signal(st)
	}
	dead := c.err != nil
	c.mu.Unlock()
	if live && !dead {
		c.writeFrame(func() error { return c.fr.WriteRSTStream(st.id, http2.ErrCodeCancel) })
	}
}

// writeFrame writes one frame, to be flushed with the burst it is in.
func (c *conn) writeFrame(write func() error) {
	c.writers.Add(1)
	c.wmu.Lock()
	c.endWrite(write())
}

// endWrite ends a write begun with writers.Add(1) and wmu.Lock, whose
// error is err: the last writer of a burst flushes. A failed write ends
// the connection.
func (c *conn) endWrite(err error) error {
	if c.writers.Add(-1) == 0 && err == nil {
		err = c.bw.Flush()
	}
	c.wmu.Unlock()
	if err != nil {
		c.fail(err)
	}
	return err
}
