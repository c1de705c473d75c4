// Package profiles captures pprof profiles and execution traces, from a
// target's /debug/pprof/ or from strain itself, and reads them back.
//
// A Capturer takes capture requests (from the alert engine or a key press)
// and never makes the caller wait: each request returns at once and its
// captures arrive later on Results. Captures are checked before they are
// kept (a pprof profile must parse, a trace must start with the trace
// header), written atomically under a directory with an index.json beside
// them, and limited per run: one CPU profile and one trace in flight per
// target, a cooldown per target, kind and reason, and caps on count and
// bytes. A request that is turned away comes back as a Capture saying why.
//
// The files are what the target served, gzipped protobuf for pprof kinds,
// so `go tool pprof` and `go tool trace` open them as they are.
//
// The analysis side reads profiles the way `go tool pprof` does: Top is
// its -top listing (flat and cumulative by function), Diff its -diff_base,
// and Stacks and Grown the goroutine-leak view (stacks grouped with counts,
// and which stacks grew between two captures).
//
// profiles imports none of strain's other packages.
package profiles
