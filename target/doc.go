// Package target is strain's built-in demo service: a Go HTTP service that
// shows, one endpoint each, the runtime problems strain exists to find.
//
// Start it from Go with New and Handler, or with ListenAndServe:
//
//	srv := target.New(target.Options{})
//	defer srv.Close()
//	http.ListenAndServe("127.0.0.1:8080", srv.Handler())
//
// # Endpoints
//
// Every endpoint accepts any method unless noted. A bad query value is
// answered with 400 and a one-line plain-text message; an unknown path with
// 404.
//
//	| Path                 | Parameters (default, range)                    | What it does                                                                  |
//	|----------------------|------------------------------------------------|-------------------------------------------------------------------------------|
//	| /, /ok               |                                                | answers 200 "ok" at once                                                      |
//	| /cpu                 | ms (10, 0..10000)                              | burns CPU for ms in burnCPU                                                   |
//	| /slow                | ms (100, 0..60000)                             | sleeps ms, like a slow dependency; stops when the client goes away            |
//	| /leak                | n (1, 0..1000000)                              | leaks n goroutines blocked in leakedWorker; 507 past 1,000,000 in total       |
//	| /leak/reset          |                                                | releases every leaked goroutine                                               |
//	| /alloc               | kb (1024, 0..2097152)                          | retains kb KiB with its pages touched; 507 past 2 GiB in total                |
//	| /alloc/reset         |                                                | frees all retained memory                                                     |
//	| /cache               | key (required, 1..256 bytes), kb (64, 1..1024) | an entry of kb KiB per distinct key, kept in cache.store; 507 past 1 GiB      |
//	| /cache/reset         |                                                | drops every cached entry                                                      |
//	| /lock                | ms (5, 0..10000)                               | holds one shared mutex for ms in holdLock                                     |
//	| /hog                 | ms (1000, 0..60000), g (4×GOMAXPROCS, 1..1000) | starts g goroutines spinning in hog for ms; answers 202 at once               |
//	| /fail                | p (0.5, 0..1), code (500, 400..599)            | fails with code at probability p, else 200                                    |
//	| /admin/stall         | for (required, Go duration, 0..10m)            | GET or POST: holds every demo response until now+for; for=0 ends a stall      |
//	| /metrics             |                                                | Prometheus text exposition of this server's own registry                      |
//	| /debug/pprof/        | as net/http/pprof                              | profiles: heap, goroutine, mutex, block, allocs, threadcreate, profile, trace |
//	| /debug/strain        |                                                | strain's runtime endpoint (package vitals): full-resolution runtime/metrics   |
//	| /debug/strain/flight |                                                | the last seconds of execution trace (with Options.FlightRecorder; else 503)   |
//
// The demo endpoints are all but /admin/, /metrics and /debug/. Each request
// to one of them, and to an unknown path (endpoint "other"), is counted in
// strain_target_requests_total{endpoint} when it is received, before any
// stall, so the count matches what a load generator sent.
//
// # Metrics
//
// /metrics serves a registry of the server's own, never the global one, so
// that many servers can live in one process. It holds the Go collector with
// the default Go metrics plus the runtime/metrics GC, memory and scheduler
// groups (go_sched_latencies_seconds among them), the process collector, and:
//
//	strain_target_requests_total{endpoint="ok|cpu|slow|leak|alloc|cache|lock|hog|fail|other"}
//	strain_target_leaked_goroutines
//	strain_target_retained_bytes
//	strain_target_cached_bytes
//	strain_target_stalled
//
// # Stalls
//
// /admin/stall?for=2s (or Server.Stall) holds every demo endpoint until the
// stall ends: a request arriving during it waits before it is handled, and
// a response being written when it starts waits before its first byte. A
// waiting request gives up when its client does. Another call moves the
// end; for=0 ends the stall at once. /admin/, /metrics and /debug/ are never
// held, so the stall can always be watched and ended.
//
// # Profiles
//
// The mutex and block profiles stay empty unless Options.ProfileRates turns
// on their sampling, which is process-wide. Likewise /debug/strain/flight
// answers 503 unless Options.FlightRecorder starts the process's flight
// recorder.
//
// The service logs nothing per request. Close ends a stall, releases leaked
// goroutines, frees retained memory and stops hogs.
package target
