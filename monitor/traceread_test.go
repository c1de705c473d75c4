package monitor

import (
	"bytes"
	"errors"
	"flag"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	rtrace "runtime/trace"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/pprof/profile"
)

var updateTrace = flag.Bool("update-trace", false, "rewrite testdata/trace/small.trace from a short window of this process")

// smallTrace is a real window checked in: 100 ms of goroutines contending
// for a mutex, a channel, and a forced GC, written by Go 1.26.
const smallTrace = "testdata/trace/small.trace"

// traceWork is smallTrace's workload: 8 goroutines taking one mutex for a
// millisecond each turn, a channel ping-pong, and a GC.
func traceWork(d time.Duration) {
	var mu sync.Mutex
	var wg sync.WaitGroup
	stop := time.Now().Add(d)
	for range 8 {
		wg.Go(func() {
			for time.Now().Before(stop) {
				mu.Lock()
				time.Sleep(time.Millisecond)
				mu.Unlock()
			}
		})
	}
	ping := make(chan int)
	wg.Go(func() {
		for range ping {
		}
	})
	for time.Now().Before(stop) {
		ping <- 1
		time.Sleep(100 * time.Microsecond)
	}
	close(ping)
	runtime.GC()
	wg.Wait()
}

// captureTrace traces this process while work runs.
func captureTrace(t testing.TB, work func()) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := rtrace.Start(&buf); err != nil {
		t.Fatalf("start trace: %v", err)
	}
	work()
	rtrace.Stop()
	return buf.Bytes()
}

func readSmallTrace(t testing.TB) []byte {
	t.Helper()
	if *updateTrace {
		data := captureTrace(t, func() { traceWork(100 * time.Millisecond) })
		if err := os.MkdirAll(filepath.Dir(smallTrace), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(smallTrace, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(smallTrace)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestReadTraceSmall(t *testing.T) {
	data := readSmallTrace(t)
	if len(data) > 200<<10 {
		t.Errorf("%s is %d KiB: keep it under 200", smallTrace, len(data)>>10)
	}
	w, err := readTrace(bytes.NewReader(data), defaultTraceLimits)
	if err != nil {
		t.Fatal(err)
	}
	m := w.metrics()
	t.Logf("window %v: %v", w.dur, m)
	if w.dur < 50*time.Millisecond || w.dur > time.Second {
		t.Errorf("window lasts %v, want about 100ms", w.dur)
	}
	// Seven goroutines wait while one holds the mutex: a few seconds of
	// waiting per second.
	if got := m["mutex_wait"]; got < 1 || got > 8 {
		t.Errorf("mutex_wait = %v, want 1–8 (7 waiters)", got)
	}
	if m["blocked.sync"] < m["mutex_wait"] {
		t.Errorf("blocked.sync = %v < mutex_wait = %v", m["blocked.sync"], m["mutex_wait"])
	}
	if m["blocked.chan"] <= 0 {
		t.Errorf("blocked.chan = %v, want > 0", m["blocked.chan"])
	}
	if m["gc_pause.max"] <= 0 || m["gc_pause.max"] > 0.1 {
		t.Errorf("gc_pause.max = %v, want a pause of under 100ms (the forced GC)", m["gc_pause.max"])
	}
	if m["gomaxprocs"] < 1 {
		t.Errorf("gomaxprocs = %v", m["gomaxprocs"])
	}
	if p50, p99, mx := m["sched_latency.p50"], m["sched_latency.p99"], m["sched_latency.max"]; !(0 < p50 && p50 <= p99 && p99 <= mx) {
		t.Errorf("sched latency p50 %v p99 %v max %v: want 0 < p50 ≤ p99 ≤ max", p50, p99, mx)
	}
	top := heaviest(w.evidence)
	if top == nil || top.Label["reason"][0] != "sync" || !stackHas(top, "sync.(*Mutex).Lock") || !stackHas(top, "traceWork") {
		t.Errorf("heaviest evidence sample = %v, want the mutex in traceWork", describe(top))
	}
}

// TestEvidenceProfile: the evidence is a profile pprof writes, parses and
// prints.
func TestEvidenceProfile(t *testing.T) {
	w, err := readTrace(bytes.NewReader(readSmallTrace(t)), defaultTraceLimits)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.evidence.CheckValid(); err != nil {
		t.Fatal(err)
	}
	if w.evidence.TimeNanos == 0 || w.evidence.DurationNanos != int64(w.dur) {
		t.Errorf("evidence time %d duration %d, want a start and %d", w.evidence.TimeNanos, w.evidence.DurationNanos, w.dur)
	}
	var buf bytes.Buffer
	if err := w.evidence.Write(&buf); err != nil {
		t.Fatal(err)
	}
	p, err := profile.Parse(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Sample) != len(w.evidence.Sample) {
		t.Errorf("read back %d samples, wrote %d", len(p.Sample), len(w.evidence.Sample))
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool to run pprof")
	}
	path := filepath.Join(t.TempDir(), "blocked.pb.gz")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(gobin, "tool", "pprof", "-top", "-sample_index=delay", path).CombinedOutput()
	if err != nil {
		t.Fatalf("go tool pprof -top: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "sync.(*Mutex).Lock") {
		t.Errorf("go tool pprof -top does not name the mutex:\n%s", out)
	}
}

// TestReadTraceLimits: each limit holds, and a window past the events
// limit is read in part, with a note.
func TestReadTraceLimits(t *testing.T) {
	data := readSmallTrace(t)
	t.Run("body", func(t *testing.T) {
		lim := defaultTraceLimits
		lim.body = int64(len(data) - 1)
		if _, err := readTrace(bytes.NewReader(data), lim); !errors.Is(err, errTraceTooLarge) {
			t.Errorf("err = %v, want %v", err, errTraceTooLarge)
		}
		lim.body = int64(len(data))
		if _, err := readTrace(bytes.NewReader(data), lim); err != nil {
			t.Errorf("a body of exactly the limit: %v", err)
		}
	})
	t.Run("events", func(t *testing.T) {
		lim := defaultTraceLimits
		lim.events = 100
		w, err := readTrace(bytes.NewReader(data), lim)
		if err != nil {
			t.Fatal(err)
		}
		if len(w.notes) != 1 || !strings.Contains(w.notes[0], "100 events") {
			t.Errorf("notes = %q, want one about the events limit", w.notes)
		}
	})
	t.Run("stacks", func(t *testing.T) {
		lim := defaultTraceLimits
		lim.stacks = 2
		w, err := readTrace(bytes.NewReader(data), lim)
		if err != nil {
			t.Fatal(err)
		}
		full, _ := readTrace(bytes.NewReader(data), defaultTraceLimits)
		if n := len(w.evidence.Sample); n > 2 || n >= len(full.evidence.Sample) {
			t.Fatalf("%d samples with a limit of 2 (%d without)", n, len(full.evidence.Sample))
		}
		if !slices.ContainsFunc(w.evidence.Sample, func(s *profile.Sample) bool { return s.Label["reason"][0] == traceOther }) {
			t.Errorf("no %s sample: %v", traceOther, w.evidence.Sample)
		}
		if got, want := totalDelay(w.evidence), totalDelay(full.evidence); got != want {
			t.Errorf("delay %d with a limit, %d without: the rest must be summed", got, want)
		}
	})
	t.Run("goroutines", func(t *testing.T) {
		lim := defaultTraceLimits
		lim.gs = 1
		w, err := readTrace(bytes.NewReader(data), lim)
		if err != nil {
			t.Fatal(err)
		}
		if len(w.notes) != 1 || !strings.Contains(w.notes[0], "goroutines") {
			t.Errorf("notes = %q, want one about goroutines", w.notes)
		}
	})
}

// TestReadTraceHostile: what the parser cannot read is an error, never a
// panic nor a window.
func TestReadTraceHostile(t *testing.T) {
	data := readSmallTrace(t)
	garbage := make([]byte, 4096)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range garbage {
		garbage[i] = byte(rng.Uint32())
	}
	header := data[:16] // "go 1.26 trace" and its padding
	cases := map[string][]byte{
		"empty":            nil,
		"garbage":          garbage,
		"header only":      header,
		"header garbage":   append(slices.Clip(header), garbage...),
		"go 1.19":          append([]byte("go 1.19 trace\x00\x00\x00"), garbage[:64]...),
		"go 1.99":          append([]byte("go 1.99 trace\x00\x00\x00"), data[16:]...),
		"cut in the half":  data[:len(data)/2],
		"cut at the last":  data[:len(data)-1],
		"a byte flipped":   flip(data, len(data)/3),
		"text":             []byte("goroutine profile: total 4\n"),
		"html error page":  []byte("<html><body>404 page not found</body></html>"),
		"the header twice": append(slices.Clip(header), data...),
	}
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			w, err := readTrace(bytes.NewReader(body), defaultTraceLimits)
			if err == nil && name != "a byte flipped" {
				t.Errorf("read a window of %v, want an error", w.dur)
			}
		})
	}
	// Every cut, at a coarse stride: an error or a window, never a panic.
	for cut := 0; cut < len(data); cut += max(len(data)/64, 1) {
		readTrace(bytes.NewReader(data[:cut]), defaultTraceLimits)
	}
}

func flip(data []byte, i int) []byte {
	out := slices.Clone(data)
	out[i] ^= 0xff
	return out
}

// FuzzReadTrace: whatever a target sends as a trace reads as a window or
// an error, never a panic, and a window's metrics are fit to admit.
func FuzzReadTrace(f *testing.F) {
	data, err := os.ReadFile(smallTrace)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Add(data[:len(data)/2])
	f.Add(data[:16])
	lim := traceLimits{body: 1 << 20, events: 100_000, stacks: 16, gs: 1024, procs: 64}
	f.Fuzz(func(t *testing.T, body []byte) {
		w, err := readTrace(bytes.NewReader(body), lim)
		if err != nil {
			return
		}
		if _, notes := admit(w.metrics()); len(notes) > 0 {
			t.Errorf("metrics %v: %q", w.metrics(), notes)
		}
		if len(w.evidence.Sample) > lim.stacks {
			t.Errorf("%d evidence samples, limit %d", len(w.evidence.Sample), lim.stacks)
		}
	})
}

// heaviest is p's sample with the most delay, of those whose reason is
// one of reasons if any are given.
func heaviest(p *profile.Profile, reasons ...string) *profile.Sample {
	var top *profile.Sample
	for _, s := range p.Sample {
		if len(reasons) > 0 && !slices.Contains(reasons, s.Label["reason"][0]) {
			continue
		}
		if top == nil || s.Value[1] > top.Value[1] {
			top = s
		}
	}
	return top
}

func totalDelay(p *profile.Profile) int64 {
	var n int64
	for _, s := range p.Sample {
		n += s.Value[1]
	}
	return n
}

// stackHas reports whether a frame of s names a function containing name.
func stackHas(s *profile.Sample, name string) bool {
	for _, l := range s.Location {
		for _, ln := range l.Line {
			if strings.Contains(ln.Function.Name, name) {
				return true
			}
		}
	}
	return false
}

func describe(s *profile.Sample) string {
	if s == nil {
		return "none"
	}
	var b strings.Builder
	b.WriteString(strings.Join(s.Label["reason"], ","))
	for _, l := range s.Location {
		for _, ln := range l.Line {
			b.WriteString(" < " + ln.Function.Name)
		}
	}
	return b.String()
}

// TestReadTraceWaitGroupAndCond: waiting on a WaitGroup or a Cond is sync
// blocking, not mutex wait.
func TestReadTraceWaitGroupAndCond(t *testing.T) {
	data := captureTrace(t, func() {
		var wg sync.WaitGroup
		var mu sync.Mutex
		cond := sync.NewCond(&mu)
		ready := false
		for range 4 {
			wg.Go(func() {
				mu.Lock()
				for !ready {
					cond.Wait()
				}
				mu.Unlock()
			})
		}
		waiters := make(chan struct{})
		go func() { wg.Wait(); close(waiters) }()
		time.Sleep(100 * time.Millisecond)
		mu.Lock()
		ready = true
		cond.Broadcast()
		mu.Unlock()
		<-waiters
	})
	w, err := readTrace(bytes.NewReader(data), defaultTraceLimits)
	if err != nil {
		t.Fatal(err)
	}
	m := w.metrics()
	t.Logf("%v", m)
	// Four in Cond.Wait and one in WaitGroup.Wait for ~100ms.
	if m["blocked.sync"] < 1 {
		t.Errorf("blocked.sync = %v, want over 1 (five waiters for most of the window)", m["blocked.sync"])
	}
	if m["mutex_wait"] > m["blocked.sync"]/10 {
		t.Errorf("mutex_wait = %v of blocked.sync %v: WaitGroup and Cond waits counted", m["mutex_wait"], m["blocked.sync"])
	}
}
