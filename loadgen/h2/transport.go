// Package h2 is strain's own HTTP/2 client, the fast path for --http2 (and
// for gRPC, which it carries): a few connections per endpoint that the
// workers' streams share, a writer per connection that gathers the
// requests waiting into one write, header blocks encoded once and kept,
// and flow control both ways. golang.org/x/net/http2 frames what it
// writes and reads frame headers, and hpack compresses; the connection
// handling is here. A target it does not carry goes through the fallback
// transport it is given, net/http.
//
// A protocol carried on HTTP/2 reads its responses with a send.Watcher:
// the target's Prepared.Watch gives each stream one.
package h2

import (
	"context"

	"github.com/strain-dev/strain/loadgen/send"
)

// Transport is the HTTP/2 fast path: its pool of connections, and the
// targets as it carries them.
type Transport struct {
	pool     *pool
	targets  []*target // by send.Prepared.Index; nil for a target the fallback carries
	fallback send.Transport
	maxBody  int64
}

// New makes the pool's endpoints for the targets it carries (http and
// https), and leaves the others to fallback.
func New(opts send.Options, targets []*send.Prepared, fallback send.Transport) *Transport {
	pool, carried := newPool(opts, targets)
	return &Transport{pool: pool, targets: carried, fallback: fallback, maxBody: opts.MaxBody}
}

// Sender makes a worker's sender: its slot among each endpoint's
// connections is the next one in turn.
func (tr *Transport) Sender(ctx context.Context) send.Sender {
	general := tr.fallback.Sender(ctx)
	slot := int(tr.pool.next.Add(1)-1) % tr.pool.slots
	// The run's end cuts off the requests in flight: the pool's
	// connections fail them, which spares each a wait on ctx.
	unwatch := context.AfterFunc(ctx, tr.pool.close)
	return &sender{ctx: ctx, unwatch: unwatch, tr: tr, slot: slot, general: general}
}

// Path is PathH2, or the fallback's when the fast path carries no target.
func (tr *Transport) Path() string {
	if len(tr.pool.endpoints) == 0 {
		return tr.fallback.Path()
	}
	return send.PathH2
}

// Gathers is true when the fast path carries the targets: each
// connection's writer gathers the workers' requests into one write.
func (tr *Transport) Gathers() bool { return tr.Path() == send.PathH2 }

// Close ends the pool's connections, and the fallback's.
func (tr *Transport) Close() {
	tr.pool.close()
	tr.fallback.Close()
}
