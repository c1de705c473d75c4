package h2

import (
	"runtime"
	"strconv"

	"golang.org/x/net/http2"
)

// The writer: requests without a body, or with a small fixed one (its
// windows reserved at open), are handed to one goroutine per
// connection, which writes all those waiting and then flushes once. While
// it is in a write, the requests that the responses just read make room
// for queue up, and go out together in the next: one system call (one TLS
// record) for many requests, as an event loop would send them.

// queuedRequest is a request waiting for the writer: its stream, as of the
// request numbered seq (a stream is reused, request after request).
type queuedRequest struct {
	st  *stream
	t   outgoing
	seq uint64
}

// outgoing is one request on the fast path: its target's, and when the
// target varies, its number in the load, from which the writer fills its
// fields, and its body, filled.
type outgoing struct {
	t    *request
	seq  uint64
	body []byte
}

// enqueue hands st's request to the writer; its error is the
// connection's, when it has ended.
func (c *conn) enqueue(st *stream, t outgoing) error {
	c.qmu.Lock()
	if c.writerDone {
		c.qmu.Unlock()
		c.mu.Lock()
		c.active--
		c.unreserve(st)
		c.mu.Unlock()
		return errH2NotSent
	}
	c.mu.Lock()
	st.queued = true
	c.mu.Unlock()
	c.queue = append(c.queue, queuedRequest{st: st, t: t, seq: st.seq})
	c.qmu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
	return nil
}

// writer writes the queued requests until the connection ends.
func (c *conn) writer() {
	for range c.wake {
		// The workers the last responses woke are runnable now: let them
		// queue their next requests first, so that they go out together
		// (the scheduler would otherwise run the writer at once, for
		// each).
		runtime.Gosched()
		for {
			c.qmu.Lock()
			batch := c.queue
			c.queue, c.spare = c.spare[:0], nil
			c.qmu.Unlock()
			if len(batch) == 0 {
				break
			}
			dead := c.writeBatch(batch)
			clear(batch) // no stream kept alive by the spare buffer
			c.qmu.Lock()
			c.spare = batch[:0]
			if dead {
				c.writerDone = true
			}
			c.qmu.Unlock()
			if dead {
				c.failQueued()
				return
			}
		}
		c.mu.Lock()
		dead := c.err != nil
		c.mu.Unlock()
		if dead {
			c.qmu.Lock()
			c.writerDone = true
			c.qmu.Unlock()
			c.failQueued()
			return
		}
	}
}

// writeBatch opens a stream for each request of batch still waited for,
// writes their HEADERS (and a body whose windows were reserved, in one
// DATA frame) and flushes once; it reports whether the connection has
// ended.
func (c *conn) writeBatch(batch []queuedRequest) bool {
	c.writers.Add(1)
	c.wmu.Lock()
	var err error
	for i, q := range batch {
		c.mu.Lock()
		if c.err != nil {
			err = c.err
			c.failEach(batch[i:])
			c.mu.Unlock()
			break
		}
		if q.st.seq != q.seq || !q.st.queued {
			c.mu.Unlock()
			continue // given up on while it waited: its slot is free already
		}
		if c.goneAway { // never opened: it goes once more, elsewhere
			q.st.err, q.st.queued = errH2NotSent, false
			c.unreserve(q.st)
			c.active--
			signal(q.st)
			c.mu.Unlock()
			continue
		}
		q.st.queued = false
		q.st.id = c.nextID
		c.nextID += 2
		c.streams[q.st.id] = q.st
		c.mu.Unlock()
		body := q.t.body // its windows reserved (conn.reserve)
		if err = c.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: q.st.id, BlockFragment: c.block(q.t), EndStream: len(body) == 0, EndHeaders: true}); err != nil {
			break
		}
		if len(body) > 0 {
			if err = c.fr.WriteData(q.st.id, true, body); err != nil {
				break
			}
		}
	}
	if err != nil && c.writers.Add(-1) >= 0 {
		c.wmu.Unlock()
		c.fail(err)
		return true
	}
	return c.endWrite(nil) != nil
}

// failQueued fails the requests left in the queue when the connection
// ended: their streams were never opened.
func (c *conn) failQueued() {
	c.qmu.Lock()
	batch := c.queue
	c.queue = nil
	c.qmu.Unlock()
	c.mu.Lock()
	c.failEach(batch)
	c.mu.Unlock()
}

// failEach fails the queued requests of batch, which the connection's
// end left unopened: they may go once more, elsewhere (called with mu
// held).
func (c *conn) failEach(batch []queuedRequest) {
	for _, q := range batch {
		if q.st.seq == q.seq && q.st.queued {
			q.st.err, q.st.queued = errH2NotSent, false
			c.active--
			signal(q.st)
		}
	}
}

// keptBlock is a request's header block as last encoded on a connection,
// valid while the encoder's table is as it was then (gen).
type keptBlock struct {
	gen   uint64
	bytes []byte
	runs  [][]byte // a varying request's: each run of fixed fields, encoded (request.runs)
}

// maxKeptBlocks bounds the blocks a connection keeps: one per target, for
// a run's first targets.
const maxKeptBlocks = 1024

// block is t's header block, encoded under wmu. Once every field of t is
// in the encoder's table, HPACK encodes it as indices alone: the same
// bytes, request after request, while the table stays as it is. Those
// bytes are kept and sent again until a block that may change the table
// (one with a literal, or a size update) is encoded.
func (c *conn) block(o outgoing) []byte {
	t := o.t
	if t.vary != nil {
		return c.varyingBlock(o)
	}
	kept := c.blocks[t]
	if kept != nil && kept.gen == c.tableGen {
		return kept.bytes
	}
	c.hbuf.Reset()
	for _, f := range t.fields {
		c.enc.WriteField(f)
	}
	b := c.hbuf.Bytes()
	switch {
	case !onlyIndexed(b):
		c.tableGen++ // every block kept may be stale now
	case kept != nil:
		kept.gen, kept.bytes = c.tableGen, append(kept.bytes[:0], b...)
	case len(c.blocks) < maxKeptBlocks:
		c.blocks[t] = &keptBlock{gen: c.tableGen, bytes: append([]byte(nil), b...)}
	}
	return b
}

// varyingBlock is the header block of a request whose fields vary: the
// runs of fixed ones through the encoder, kept as block keeps a whole
// block; each varying one filled for o's request and written as a literal
// without indexing (RFC 7541 §6.2.2). That leaves the table as it is, so
// the fixed fields stay indexed and a value sent once takes no room in it
// (the encoder's WriteField would add each value to the table, evicting
// the fixed fields, and make a string of it: an allocation per field).
func (c *conn) varyingBlock(o outgoing) []byte {
	t := o.t
	kept := c.blocks[t]
	fresh := kept == nil || kept.gen != c.tableGen
	if kept == nil && len(c.blocks) < maxKeptBlocks {
		kept = &keptBlock{runs: make([][]byte, len(t.runs))}
		c.blocks[t] = kept
	}
	c.hbuf.Reset()
	c.filler.At(o.seq)
	indexed := true
	for k, r := range t.runs {
		if fresh {
			from := c.hbuf.Len()
			for _, f := range t.fields[r.from:r.to] {
				c.enc.WriteField(f)
			}
			b := c.hbuf.Bytes()[from:]
			indexed = indexed && onlyIndexed(b)
			if kept != nil {
				kept.runs[k] = append(kept.runs[k][:0], b...)
			}
		} else {
			c.hbuf.Write(kept.runs[k])
		}
		if r.vary >= 0 {
			c.writeVarying(o, r.vary)
		}
	}
	switch {
	case !indexed:
		c.tableGen++ // every block kept may be stale now, this one too
	case fresh && kept != nil:
		kept.gen = c.tableGen
	}
	return c.hbuf.Bytes()
}

// writeVarying writes o's field i, filled, as a literal without indexing
// and with a new name.
func (c *conn) writeVarying(o outgoing, i int) {
	if i == o.t.lenField {
		c.vbuf = strconv.AppendInt(c.vbuf[:0], int64(len(o.body)), 10)
	} else {
		c.vbuf = o.t.vary[i].Append(c.vbuf[:0], c.filler)
	}
	name := o.t.fields[i].Name
	c.hbuf.WriteByte(0)
	c.writeLength(len(name))
	c.hbuf.WriteString(name)
	c.writeLength(len(c.vbuf))
	c.hbuf.Write(c.vbuf)
}

// writeLength writes the length of a string literal that follows it,
// not Huffman coded (RFC 7541 §5.2).
func (c *conn) writeLength(n int) {
	var b [maxVarintLen]byte
	c.hbuf.Write(appendVarint(b[:0], 7, uint64(n)))
}

// maxVarintLen is the longest HPACK integer a length takes.
const maxVarintLen = 10

// appendVarint appends n as an HPACK integer with a prefix of the given
// bits, the first byte's other bits zero (RFC 7541 §5.1).
func appendVarint(dst []byte, prefix uint8, n uint64) []byte {
	most := uint64(1)<<prefix - 1
	if n < most {
		return append(dst, byte(n))
	}
	dst = append(dst, byte(most))
	for n -= most; n >= 0x80; n >>= 7 {
		dst = append(dst, byte(n)|0x80)
	}
	return append(dst, byte(n))
}

// onlyIndexed says whether an HPACK header block holds indexed fields
// alone (a first bit of 1, RFC 7541 §6.1), which leave the table as it is.
func onlyIndexed(b []byte) bool {
	for i := 0; i < len(b); i++ {
		if b[i]&0x80 == 0 {
			return false
		}
		if b[i]&0x7f == 0x7f { // the index goes on in the bytes that follow (§5.1)
			for i++; i < len(b) && b[i]&0x80 != 0; i++ {
			}
		}
	}
	return true
}
