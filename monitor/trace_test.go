package monitor

import (
	"context"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"net/http/pprof"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// lockHandler holds one mutex for hold per request: a service whose
// requests queue on a global lock.
type lockHandler struct {
	mu   sync.Mutex
	hold time.Duration
}

func (h *lockHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	time.Sleep(h.hold)
	h.mu.Unlock()
	io.WriteString(w, "ok\n")
}

// okHandler answers at once.
var okHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") })

// pprofServer serves net/http/pprof's index and trace under /debug/pprof,
// and app at /.
func pprofServer(t *testing.T, app http.Handler) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	mux.Handle("/", app)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// load sends requests to url from n goroutines until stop is closed.
func load(t *testing.T, url string, n int) (stop func()) {
	t.Helper()
	done := make(chan struct{})
	var wg sync.WaitGroup
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: n}}
	for range n {
		wg.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				resp, err := client.Get(url)
				if err != nil {
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		})
	}
	return func() {
		close(done)
		wg.Wait()
		client.CloseIdleConnections()
	}
}

// window takes one trace window through a source and returns its metrics
// and evidence.
func window(t *testing.T, base string, d time.Duration) (Metrics, *traceSource) {
	t.Helper()
	s := NewTrace(base, TraceConfig{Window: d}, nil).(*traceSource)
	t.Cleanup(func() { s.Close() })
	deadline := time.Now().Add(d + traceGrace)
	for time.Now().Before(deadline) {
		m, err := s.Sample(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if len(m) > 0 {
			return m, s
		}
		if len(s.notes) > 0 {
			t.Fatalf("notes: %q", s.notes)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no window within %v", d+traceGrace)
	return nil, nil
}

// TestTraceMutex: requests queued on a lock show as mutex_wait, with the
// handler at the top of the evidence of sync waits; without the lock,
// little.
func TestTraceMutex(t *testing.T) {
	contended := pprofServer(t, &lockHandler{hold: 2 * time.Millisecond})
	healthy := pprofServer(t, okHandler)

	stop := load(t, contended.URL, 8)
	m, s := window(t, contended.URL+"/debug/pprof", 500*time.Millisecond)
	stop()
	t.Logf("contended: %v", m)
	// Eight clients, one lock held 2 ms a request: most of them wait.
	if m["mutex_wait"] < 0.5 {
		t.Errorf("contended mutex_wait = %v, want > 0.5 (up to 7 waiters)", m["mutex_wait"])
	}
	ev := s.Evidence()
	if len(ev) != 1 {
		t.Fatalf("%d evidence profiles, want 1", len(ev))
	}
	// Idle waits (a connection's select and network reads) outweigh it:
	// the evidence holds every wait, each labelled with its reason.
	if top := heaviest(ev[0], "sync"); top == nil || !stackHas(top, "(*lockHandler).ServeHTTP") || !stackHas(top, "sync.(*Mutex).Lock") {
		t.Errorf("heaviest sync evidence = %s, want the handler's lock", describe(top))
	}
	if again := s.Evidence(); len(again) != 0 {
		t.Errorf("Evidence gave %d profiles again", len(again))
	}

	stop = load(t, healthy.URL, 8)
	h, _ := window(t, healthy.URL+"/debug/pprof", 500*time.Millisecond)
	stop()
	t.Logf("healthy: %v", h)
	if h["mutex_wait"] > 0.5 || h["mutex_wait"] > m["mutex_wait"]/5 {
		t.Errorf("healthy mutex_wait = %v, contended %v: want under 0.5 and a fifth", h["mutex_wait"], m["mutex_wait"])
	}
}

// TestTraceSchedLatency: goroutines that outnumber the Ps wait to run; the
// window's latency agrees with the runtime's own histogram over the same
// time, and its GOMAXPROCS with the runtime's.
func TestTraceSchedLatency(t *testing.T) {
	srv := pprofServer(t, http.NotFoundHandler())
	base := srv.URL + "/debug/pprof"

	idle, _ := window(t, base, 300*time.Millisecond)

	var stop atomic.Bool
	var wg sync.WaitGroup
	for range 4 * runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for n := 0; !stop.Load(); n++ {
				if n%1_000_000 == 0 {
					runtime.Gosched()
				}
			}
		})
	}
	before, cpu0, wall0 := schedLatencies(), processCPU(t), time.Now()
	busy, _ := window(t, base, 300*time.Millisecond)
	truth := schedLatencies().sub(before)
	used := 100 * (processCPU(t) - cpu0) / time.Since(wall0).Seconds()
	stop.Store(true)
	wg.Wait()

	t.Logf("idle %v", idle)
	t.Logf("busy %v; runtime/metrics p99 in [%v, %v)", busy, truth.lo(0.99), truth.hi(0.99))
	if got, want := busy["gomaxprocs"], float64(runtime.GOMAXPROCS(0)); got != want {
		t.Errorf("gomaxprocs = %v, want %v", got, want)
	}
	// The goroutines' running time is the process's CPU, less its
	// syscalls and the window's parsing, which getrusage counts too; on a
	// busy machine more, since a goroutine on a P whose thread the OS
	// has set aside still runs in the trace (why a window's CPU yields to
	// any other source's). It is never past its Ps.
	if got := busy["cpu"]; got < 0.5*used || got > 100*float64(runtime.GOMAXPROCS(0))*1.05 {
		t.Errorf("cpu = %v%%, want near the process's %v%% (getrusage over the window and its fetch)", got, used)
	}
	if busy["sched_latency.p99"] < 1e-3 {
		t.Errorf("busy sched_latency.p99 = %v, want over 1ms (%d spinners on %d Ps)", busy["sched_latency.p99"], 4*runtime.GOMAXPROCS(0), runtime.GOMAXPROCS(0))
	}
	if busy["sched_latency.p99"] <= idle["sched_latency.p99"] {
		t.Errorf("busy sched_latency.p99 = %v ≤ idle %v", busy["sched_latency.p99"], idle["sched_latency.p99"])
	}
	// The runtime's buckets are coarse and its span a little wider than
	// the window: the same order of magnitude is agreement.
	if p99 := busy["sched_latency.p99"]; p99 < truth.lo(0.99)/10 || p99 > truth.hi(0.99)*10 {
		t.Errorf("busy sched_latency.p99 = %v, runtime/metrics says [%v, %v)", p99, truth.lo(0.99), truth.hi(0.99))
	}
}

// processCPU is this process's user and system CPU so far, in seconds.
func processCPU(t *testing.T) float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// latencies is a delta of /sched/latencies:seconds.
type latencies struct {
	counts  []uint64
	buckets []float64
}

func schedLatencies() latencies {
	s := []metrics.Sample{{Name: "/sched/latencies:seconds"}}
	metrics.Read(s)
	h := s[0].Value.Float64Histogram()
	return latencies{counts: append([]uint64(nil), h.Counts...), buckets: h.Buckets}
}

func (l latencies) sub(prev latencies) latencies {
	out := latencies{counts: make([]uint64, len(l.counts)), buckets: l.buckets}
	for i := range l.counts {
		out.counts[i] = l.counts[i] - prev.counts[i]
	}
	return out
}

// bucket is the index of the bucket holding quantile q.
func (l latencies) bucket(q float64) int {
	var total uint64
	for _, c := range l.counts {
		total += c
	}
	want := uint64(math.Ceil(q * float64(total)))
	var n uint64
	for i, c := range l.counts {
		n += c
		if n >= want && c > 0 {
			return i
		}
	}
	return len(l.counts) - 1
}

func (l latencies) lo(q float64) float64 { return max(l.buckets[l.bucket(q)], 0) }
func (l latencies) hi(q float64) float64 { return l.buckets[l.bucket(q)+1] }

// TestTraceSampleNeverWaits: Sample returns at once while a window runs,
// returns the window's metrics exactly once, and a window starts no
// sooner than Every after the last.
func TestTraceSampleNeverWaits(t *testing.T) {
	srv := pprofServer(t, http.NotFoundHandler())
	s := NewTrace(srv.URL+"/debug/pprof/", TraceConfig{Window: time.Second, Every: time.Hour}, nil).(*traceSource)
	defer s.Close()
	var windows int
	deadline := time.Now().Add(time.Second + traceGrace)
	for time.Now().Before(deadline) && windows == 0 {
		start := time.Now()
		m, err := s.Sample(context.Background())
		if took := time.Since(start); took > 300*time.Millisecond {
			t.Errorf("Sample took %v during a 1s window", took)
		}
		if err != nil {
			t.Fatal(err)
		}
		if len(m) > 0 {
			windows++
		}
		time.Sleep(50 * time.Millisecond)
	}
	if windows != 1 {
		t.Fatalf("%d windows, want 1", windows)
	}
	for range 3 {
		if m, err := s.Sample(context.Background()); len(m) > 0 || err != nil {
			t.Errorf("Sample after the window = %v, %v; want nothing, nil", m, err)
		}
	}
	if s.fetching {
		t.Error("a second window started before Every")
	}
}

// TestTraceFailures: a failed fetch is a note and is tried again at the
// next window; a trace that does not parse is one note, and the windows
// stop.
func TestTraceFailures(t *testing.T) {
	cases := []struct {
		name      string
		status    int
		body      string
		retried   bool
		note      string
		stillNote bool
	}{
		{"trace already running", http.StatusInternalServerError, "Could not enable runtime tracing: tracing is already enabled\n", true, "trace window skipped: fetch", false},
		{"not a trace", http.StatusOK, "go 1.19 trace\x00\x00\x00garbage", false, "cannot read the target's execution traces", true},
		{"garbage", http.StatusOK, strings.Repeat("\xff", 1000), false, "cannot read the target's execution traces", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var fetches atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				fetches.Add(1)
				w.WriteHeader(c.status)
				io.WriteString(w, c.body)
			}))
			defer srv.Close()
			s := NewTrace(srv.URL, TraceConfig{Window: 100 * time.Millisecond, Every: 50 * time.Millisecond}, nil).(*traceSource)
			defer s.Close()
			var notes [][]string
			for range 20 {
				m, err := s.Sample(context.Background())
				if len(m) > 0 || err != nil {
					t.Fatalf("Sample = %v, %v; want nothing, nil", m, err)
				}
				notes = append(notes, s.Warnings())
				time.Sleep(60 * time.Millisecond)
			}
			n := fetches.Load()
			if c.retried && n < 5 || !c.retried && n != 1 {
				t.Errorf("%d fetches in 20 samples (retried: %v)", n, c.retried)
			}
			var said int
			for _, ns := range notes {
				if len(ns) == 1 && strings.HasPrefix(ns[0], c.note) {
					said++
				}
			}
			if said == 0 || c.stillNote && len(notes[len(notes)-1]) != 1 {
				t.Errorf("notes %q, want %q and, if the windows stopped, to the end", notes, c.note)
			}
		})
	}
}

// TestTraceClose: Close ends a window in progress at once, and the source
// holds no goroutine after it.
func TestTraceClose(t *testing.T) {
	srv := pprofServer(t, http.NotFoundHandler())
	before := runtime.NumGoroutine()
	s := NewTrace(srv.URL+"/debug/pprof", TraceConfig{Window: 30 * time.Second}, nil)
	s.Sample(context.Background())
	time.Sleep(100 * time.Millisecond) // the fetch is under way
	start := time.Now()
	s.(io.Closer).Close()
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("Close took %v", took)
	}
	s.(io.Closer).Close() // twice is fine
	if m, err := s.Sample(context.Background()); len(m) > 0 || err != nil {
		t.Errorf("Sample after Close = %v, %v", m, err)
	}
	// The server's side of the trace ends when it sees the client gone.
	srv.CloseClientConnections()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines after Close, %d before", n, before)
	}
}

// TestMonitorEvidence: the monitor hands a trace source's evidence to
// Snapshot once, and closes the source when it closes.
func TestMonitorEvidence(t *testing.T) {
	srv := pprofServer(t, &lockHandler{hold: time.Millisecond})
	stop := load(t, srv.URL, 4)
	defer stop()
	src := NewTrace(srv.URL+"/debug/pprof", TraceConfig{Window: 300 * time.Millisecond, Every: 100 * time.Millisecond}, nil).(*traceSource)
	mon := New(100*time.Millisecond, Target{Name: "api", Sources: []Source{src}})
	mon.Open(context.Background())
	defer mon.Close()
	deadline := time.Now().Add(10 * time.Second)
	var got int
	for time.Now().Before(deadline) && got == 0 {
		time.Sleep(100 * time.Millisecond)
		snap := mon.Snapshot()
		got = len(snap.Evidence["api"])
		if got > maxEvidence {
			t.Errorf("%d profiles in a snapshot, at most %d", got, maxEvidence)
		}
		if got > 0 && len(mon.Snapshot().Evidence["api"]) != 0 {
			t.Error("a second Snapshot took the same evidence")
		}
	}
	if got == 0 {
		t.Fatal("no evidence within 10s")
	}
	mon.Close()
	if src.ctx.Err() == nil {
		t.Error("the monitor did not close its trace source")
	}
}

// TestDiscoverTrace: pprof at a base URL brings a trace source after
// strain's runtime endpoint and before Prometheus, unless tracing is off.
func TestDiscoverTrace(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc(VitalsPath, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "{}") })
	mux.HandleFunc(MetricsPath, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "# TYPE go_goroutines gauge\ngo_goroutines 4\n")
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	for _, c := range []struct {
		name  string
		trace TraceConfig
		want  []string
	}{
		{"default", TraceConfig{}, []string{"vitals", "trace:", "prom:", "pprof:"}},
		{"off", TraceConfig{Every: -1}, []string{"vitals", "prom:", "pprof:"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			spec, err := ParseSpec("api=" + srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			spec.Trace = c.trace
			target, _ := spec.Discover(context.Background(), srv.Client())
			var got []string
			for _, s := range target.Sources {
				got = append(got, s.Name())
				if c, ok := s.(io.Closer); ok {
					c.Close()
				}
			}
			if len(got) != len(c.want) {
				t.Fatalf("sources %q, want %q", got, c.want)
			}
			for i, w := range c.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("source %d is %q, want %q", i, got[i], w)
				}
			}
		})
	}
	spec, _ := ParseSpec("pprof:" + srv.URL + "/debug/pprof")
	target, _ := spec.Discover(context.Background(), srv.Client())
	if len(target.Sources) != 2 || target.Sources[0].Name() != "trace:"+srv.URL+"/debug/pprof" {
		t.Errorf("pprof:URL gives %d sources, the first %q", len(target.Sources), target.Sources[0].Name())
	}
}

var retained [][]byte

// A window's heap is the runtime's own reading of its live objects.
func TestTraceHeap(t *testing.T) {
	srv := pprofServer(t, http.NotFoundHandler())
	for range 64 {
		retained = append(retained, make([]byte, 1<<20))
	}
	defer func() { retained = nil }()
	runtime.GC()
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	m, _ := window(t, srv.URL+"/debug/pprof", 300*time.Millisecond)
	truth := float64(s[0].Value.Uint64())
	if got := m["heap"]; got < 0.8*truth || got > 1.5*truth {
		t.Errorf("heap = %v, want near runtime/metrics' %v", got, truth)
	}
}
