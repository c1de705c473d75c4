// Package send is the contract between strain's load engine (package
// loadgen) and the transports that carry its requests (packages http1,
// h2 and nethttp under loadgen): a request made ready to send many times
// (Prepared), one request as the engine hands it over (Outgoing), the
// Transport that makes each worker's Sender, and the errors by which a
// sender's failures are counted.
//
// The engine imports this package and no transport; the wiring (package
// loadgen/transport, or a library user's own) picks the transport.
package send
