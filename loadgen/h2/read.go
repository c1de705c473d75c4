package h2

// The reading side of an HTTP/2 connection: one goroutine per connection
// reads the server's frames and completes the streams they answer.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"
	"syscall"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"

	"github.com/strain-dev/strain/loadgen/send"
)

// finish completes the stream id, if it is still waited for, with err.
func (c *conn) finish(id uint32, err error) {
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
func (c *conn) read() {
	if b, _ := c.br.Peek(len("HTTP/")); string(b) == "HTTP/" {
		c.fail(&notHTTP2Error{&send.ProtocolError{What: "the server answered HTTP/2's preface in HTTP/1: no HTTP/2 in the clear (h2c)"}})
		return
	}
	for {
		fh, err := http2.ReadFrameHeader(c.br)
		if err == nil && fh.Length > uint32(len(c.payload)) {
			err = &send.ProtocolError{What: "an HTTP/2 frame larger than strain asked for"}
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
func (c *conn) frame(fh http2.FrameHeader, p []byte) error {
	if c.inBlock && fh.Type != http2.FrameContinuation {
		return &send.ProtocolError{What: "an HTTP/2 header block cut by another frame"}
	}
	switch fh.Type {
	case http2.FrameData:
		return c.data(fh, p)
	case http2.FrameHeaders:
		return c.headers(fh, p)
	case http2.FrameContinuation:
		if !c.inBlock || fh.StreamID != c.hdrStream {
			return &send.ProtocolError{What: "an HTTP/2 CONTINUATION without its HEADERS"}
		}
		return c.addHeaders(fh, p)
	case http2.FrameRSTStream:
		if len(p) != 4 {
			return &send.ProtocolError{What: "an HTTP/2 RST_STREAM of the wrong size"}
		}
		code := http2.ErrCode(binary.BigEndian.Uint32(p))
		if code != http2.ErrCodeRefusedStream && c.resetWatched(fh.StreamID, code) {
			return nil
		}
		err := error(errH2Refused)
		if code != http2.ErrCodeRefusedStream {
			err = fmt.Errorf("http2: stream reset by the server (%v): %w", code, syscall.ECONNRESET)
		}
		c.finish(fh.StreamID, err)
	case http2.FrameSettings:
		return c.settings(fh, p)
	case http2.FramePing:
		if len(p) != 8 {
			return &send.ProtocolError{What: "an HTTP/2 PING of the wrong size"}
		}
		if !fh.Flags.Has(http2.FlagPingAck) {
			var data [8]byte
			copy(data[:], p)
			c.writeFrame(func() error { return c.fr.WritePing(true, data) })
		}
	case http2.FrameGoAway:
		if len(p) < 8 {
			return &send.ProtocolError{What: "an HTTP/2 GOAWAY too short"}
		}
		c.goAway(binary.BigEndian.Uint32(p) & (1<<31 - 1))
	case http2.FrameWindowUpdate:
		if len(p) != 4 {
			return &send.ProtocolError{What: "an HTTP/2 WINDOW_UPDATE of the wrong size"}
		}
		c.windowUpdate(fh.StreamID, int64(binary.BigEndian.Uint32(p)&(1<<31-1)))
	case http2.FramePushPromise:
		return &send.ProtocolError{What: "an HTTP/2 PUSH_PROMISE, which strain turned off"}
	}
	return nil // PRIORITY and unknown frames are ignored, as the protocol says
}

// unpad strips a DATA or HEADERS frame's padding.
func unpad(fh http2.FrameHeader, p []byte) ([]byte, error) {
	if !fh.Flags.Has(http2.FlagDataPadded) { // the same bit for HEADERS
		return p, nil
	}
	if len(p) == 0 || int(p[0]) >= len(p) {
		return nil, &send.ProtocolError{What: "an HTTP/2 frame's padding longer than the frame"}
	}
	return p[1 : len(p)-int(p[0])], nil
}

// data counts a DATA frame's bytes to its stream, gives the server its
// window back as it is used, and completes the stream at its end.
func (c *conn) data(fh http2.FrameHeader, p []byte) error {
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
	var bad error
	tooLarge := false
	early := ok && st.status == 0 // no response yet: DATA must follow its HEADERS
	if ok && !early {
		st.body += int64(len(body))
		st.recvUnack += int64(fh.Length)
		tooLarge = st.body > st.maxBody
		if st.watching {
			bad = st.watcher.Data(body)
		}
		if !end && !tooLarge && st.recvUnack >= int64(h2StreamWindow/2) {
			update, st.recvUnack = uint32(st.recvUnack), 0
		}
	}
	c.mu.Unlock()
	switch {
	case !ok:
		return nil // a stream given up on: its bytes counted for the connection only
	case early:
		c.finish(fh.StreamID, &send.ProtocolError{What: "an HTTP/2 DATA frame before its response's HEADERS"})
		c.writeFrame(func() error { return c.fr.WriteRSTStream(fh.StreamID, http2.ErrCodeProtocol) })
	case tooLarge:
		c.finish(fh.StreamID, send.ErrBodyTooLarge)
		c.writeFrame(func() error { return c.fr.WriteRSTStream(fh.StreamID, http2.ErrCodeCancel) })
	case bad != nil:
		c.finish(fh.StreamID, &send.ProtocolError{What: bad.Error()})
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
func (c *conn) headers(fh http2.FrameHeader, p []byte) error {
	block, err := unpad(fh, p)
	if err != nil {
		return err
	}
	if fh.Flags.Has(http2.FlagHeadersPriority) {
		if len(block) < 5 {
			return &send.ProtocolError{What: "an HTTP/2 HEADERS frame too short for its priority"}
		}
		block = block[5:]
	}
	c.hdrs, c.hdrStream, c.hdrEnd, c.inBlock = c.hdrs[:0], fh.StreamID, fh.Flags.Has(http2.FlagHeadersEndStream), true
	return c.addHeaders(fh, block)
}

// addHeaders adds a fragment to the header block, and decodes the block
// at its end.
func (c *conn) addHeaders(fh http2.FrameHeader, fragment []byte) error {
	if len(c.hdrs)+len(fragment) > h2MaxHeaderLen {
		return &send.ProtocolError{What: "an HTTP/2 header block over 1 MiB"}
	}
	c.hdrs = append(c.hdrs, fragment...)
	if !fh.Flags.Has(http2.FlagHeadersEndHeaders) {
		return nil
	}
	c.inBlock = false
	block := c.hdrs
	c.mu.Lock()
	st := c.streams[c.hdrStream]
	trailers := st != nil && st.status >= 200
	if trailers && !st.watching {
		st = nil // trailers: the status is known
	}
	c.decoding, c.sawStatus, c.inTrailers = st, false, trailers
	c.mu.Unlock()
	// Every block is decoded, a stream given up on's too: the
	// compression's state is the connection's. Only :status is wanted;
	// the header calls no more once it has it.
	c.dec.SetEmitEnabled(true)
	if _, err := c.dec.Write(block); err != nil {
		return &send.ProtocolError{What: "an HTTP/2 header block that does not decode: " + err.Error()}
	}
	if err := c.dec.Close(); err != nil {
		return &send.ProtocolError{What: "an HTTP/2 header block cut short"}
	}
	c.mu.Lock()
	final := st != nil && st.status >= 200
	if st != nil && !trailers && !c.sawStatus && st.err == nil {
		// A 1xx had its :status: it is interim, and the answer follows.
		st.err = &send.ProtocolError{What: "an HTTP/2 response without :status"}
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
func (c *conn) header(f hpack.HeaderField) {
	st := c.decoding
	if st != nil && st.watching {
		c.watchHeader(st, f)
	} else {
		c.dec.SetEmitEnabled(false)
	}
	if st == nil || f.Name != ":status" || c.inTrailers {
		return
	}
	c.sawStatus = true
	code, err := strconv.Atoi(f.Value)
	c.mu.Lock()
	if err != nil || code < 100 || code > 999 {
		st.err = &send.ProtocolError{What: "an HTTP/2 :status that is not a status"}
	} else if code >= 200 {
		st.status = code
	}
	c.mu.Unlock()
}

// settings applies the server's SETTINGS, and acknowledges them.
func (c *conn) settings(fh http2.FrameHeader, p []byte) error {
	if fh.Flags.Has(http2.FlagSettingsAck) {
		return nil
	}
	if len(p)%6 != 0 {
		return &send.ProtocolError{What: "an HTTP/2 SETTINGS frame of the wrong size"}
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
				return &send.ProtocolError{What: "an HTTP/2 initial window over 2^31-1"}
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
			c.tableGen++ // the next block says the new size: none kept holds it
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
func (c *conn) goAway(last uint32) {
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
func (c *conn) windowUpdate(id uint32, n int64) {
	c.mu.Lock()
	if id == 0 {
		c.sendWindow += n
	} else if st, ok := c.streams[id]; ok {
		st.sendWindow += n
	}
	c.cond.Broadcast()
	c.mu.Unlock()
}

// watchHeader hands a header field of a watched response, or of its
// trailers, to its watcher. Every field of the block is looked at, for the
// one it wants (gRPC's status) may come after the others.
func (c *conn) watchHeader(st *stream, f hpack.HeaderField) {
	c.mu.Lock()
	if err := st.watcher.Field(f.Name, f.Value); err != nil && st.err == nil {
		st.err = &send.ProtocolError{What: err.Error()}
	}
	c.mu.Unlock()
}

// resetWatched ends a watched stream that the server reset with code,
// when its watcher takes the reset as its answer; false if id is no
// watched stream waited for, or the reset is a failure.
func (c *conn) resetWatched(id uint32, code http2.ErrCode) bool {
	c.mu.Lock()
	st, ok := c.streams[id]
	answered := ok && st.watching && st.watcher.Reset(uint32(code))
	c.mu.Unlock()
	if answered {
		c.finish(id, nil)
	}
	return answered
}
