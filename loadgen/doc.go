// Package loadgen is strain's load engine: it sends HTTP requests in a closed
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
// Each worker sends through a sender of its own. For http and https
// (without HTTP2) that is the wire path: a lean HTTP/1.1 client over raw
// connections, one per worker and host, with requests rendered once and
// responses framed without allocating. HTTP/2, and anything the wire path
// does not speak, goes through net/http.
//
// A failed request is a measurement, not a Go error: it is counted by kind.
// loadgen imports none of strain's other packages.
package loadgen
