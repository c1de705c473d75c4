package http1

import (
	"context"
	"time"

	"github.com/strain-dev/strain/loadgen/send"
)

// wireSender is one worker's sender on the wire path: HTTP/1.1 over a
// connection of its own per endpoint, dialled when first needed and again
// after the server closes it. Targets the wire path does not take go
// through the general path, the fallback's sender.
type wireSender struct {
	ctx       context.Context // the run
	targets   []*target       // the transport's, by send.Prepared.Index
	endpoints []endpoint      // the transport's
	conns     []*wireConn     // by endpoint; nil until dialled
	general   send.Sender
	slack     time.Duration // how far past a request's deadline its connection's may fall (wireConn.arm)
	maxBody   int64         // send.Options.MaxBody
	buf       []byte        // a varying request's bytes, reused
}

// Send sends o's request on its endpoint's connection.
func (s *wireSender) Send(o *send.Outgoing, deadline time.Time) (send.Response, error) {
	t := s.targets[o.T.Index]
	if t == nil {
		return s.general.Send(o, deadline)
	}
	wire := t.wire
	if t.head != nil {
		s.buf = t.appendWire(s.buf[:0], o)
		wire = s.buf
	}
	resp, retry, err := s.exchange(t, wire, deadline)
	if retry && s.ctx.Err() == nil && !send.IsTimeout(err) {
		// The kept-alive connection had been closed by the server while
		// it sat idle; net/http sends such a request again on a new one.
		resp, _, err = s.exchange(t, wire, deadline)
	}
	return send.Response{Status: resp.status, Bytes: resp.body}, err
}

// exchange sends t on its endpoint's connection and reads the response,
// dialling first if need be. A connection that failed, or that the server
// or request closes, is dropped: a body past the cap, unread, goes with
// it. retry reports a failure that net/http would retry on a fresh
// connection.
func (s *wireSender) exchange(t *target, wire []byte, deadline time.Time) (resp response, retry bool, err error) {
	c := s.conns[t.endpoint]
	if c != nil && (c.br.Buffered() > 0 || c.stale(deadline)) {
		// Bytes that no request asked for: the connection is out of step;
		// or the server closed it while it sat idle. net/http drops such
		// a connection too, and sends on a new one.
		c.close()
		c = nil
	}
	if c == nil {
		if c, err = dialWire(s.ctx, &s.endpoints[t.endpoint], deadline, s.slack); err != nil {
			return resp, false, err
		}
		s.conns[t.endpoint] = c
	}
	resp, retry, err = c.roundTrip(s.ctx, t.p, wire, deadline, s.slack, s.maxBody)
	if err != nil || resp.close || t.p.Close {
		c.close()
		s.conns[t.endpoint] = nil
	}
	return resp, retry, err
}

// Close closes the sender's connections, and its general path's.
func (s *wireSender) Close() {
	for i, c := range s.conns {
		if c != nil {
			c.close()
			s.conns[i] = nil
		}
	}
	s.general.Close()
}
