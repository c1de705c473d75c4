// Package transport is the wiring between strain's load engine and its
// transports: For picks, for a run's targets, strain's own HTTP/2 client
// (package h2) with --http2 or for gRPC, else its own HTTP/1.1 client
// (package http1); each leaves what it does not speak to net/http
// (package nethttp). It is a loadgen.Config's Transport.
package transport

import (
	"github.com/strain-dev/strain/loadgen/h2"
	"github.com/strain-dev/strain/loadgen/http1"
	"github.com/strain-dev/strain/loadgen/nethttp"
	"github.com/strain-dev/strain/loadgen/send"
)

// For is the transport of targets: a send.Maker.
func For(opts send.Options, targets []*send.Prepared) send.Transport {
	general := nethttp.New(opts, targets)
	if opts.HTTP2 {
		return h2.New(opts, targets, general)
	}
	return http1.New(opts, targets, general)
}

// NetHTTP sends every request through net/http, strain's own clients
// left out: a send.Maker, for comparing them with Go's.
func NetHTTP(opts send.Options, targets []*send.Prepared) send.Transport {
	return nethttp.New(opts, targets)
}
