// Package loadgen is strain's load engine: it sends requests in a closed
// model (a fixed number in flight) or an open model (a fixed arrival rate,
// whatever the target does), and records every result in HDR histograms,
// per-interval windows and a whole-run total.
//
// In the open model each request has an intended start on a fixed schedule;
// its latency is measured from that intended start (coordinated omission
// corrected, as wrk2 does) and, beside it, from the moment it was actually
// sent. Requests that could not start on time are counted as late, and those
// that never started before the run ended as dropped.
//
// The engine sends through a transport it is given (Config.Transport, a
// send.Maker): each worker has a send.Sender of its own. It imports no
// transport. Package loadgen/transport wires strain's: its own HTTP/1.1
// client (loadgen/http1), its own HTTP/2 client (loadgen/h2, which also
// carries gRPC, read by loadgen/grpc's watcher), and net/http
// (loadgen/nethttp) for what those do not speak.
//
// A failed request is a measurement, not a Go error: it is counted by kind.
// loadgen imports none of strain's other packages.
package loadgen
