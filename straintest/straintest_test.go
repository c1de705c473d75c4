package straintest_test

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/pprof/profile"
	"github.com/strain-dev/strain/profiles"
	"github.com/strain-dev/strain/report"
	"github.com/strain-dev/strain/straintest"
)

// failures records what Handler reports through t, so a test can check
// that a run fails the test it is in, and why, without failing this one.
type failures struct {
	testing.TB
	mu     sync.Mutex
	errors []string
}

func (f *failures) Error(args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.errors = append(f.errors, fmt.Sprint(args...))
}

func (f *failures) Errorf(format string, args ...any) { f.Error(fmt.Sprintf(format, args...)) }

// leaker is a handler that, when leaking, leaves a goroutine blocked in
// leakedWorker behind every request, as a fire-and-forget bug does.
type leaker struct {
	leak    bool
	leaked  atomic.Int64
	release chan struct{}
}

func (l *leaker) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if l.leak {
		l.leaked.Add(1)
		go leakedWorker(l.release)
	}
	w.Write([]byte("ok"))
}

func leakedWorker(release <-chan struct{}) { <-release }

// The gate catches a goroutine leak a handler introduces, and passes the
// same handler without it. The growth it reads agrees with the handler's
// own count of what it leaked, and the alert's goroutine profile, in the
// artifact directory, names the leaking function.
func TestHandlerCatchesALeak(t *testing.T) {
	// The closed model: its few connections are all open by the first
	// point, so the server's own goroutines do not grow during the run.
	cfg := straintest.Config{
		Concurrency: 4,
		Gates:       []string{"target.goroutines_growth.max < 20", "error_rate < 1%"},
		Alerts:      []string{"target.goroutines_growth > 20 capture goroutine"},
	}
	for _, leak := range []bool{false, true} {
		t.Run(fmt.Sprintf("leak=%v", leak), func(t *testing.T) {
			h := &leaker{leak: leak, release: make(chan struct{})}
			defer close(h.release)
			ft := &failures{TB: t}
			rep := straintest.Handler(ft, h, cfg)
			if !leak {
				if len(ft.errors) > 0 || !rep.Passed {
					t.Fatalf("a handler without a leak failed: %v", ft.errors)
				}
				return
			}
			if len(ft.errors) != 1 || !strings.Contains(ft.errors[0], "FAIL  target.goroutines_growth.max < 20") {
				t.Fatalf("failures %q, want the growth gate's", ft.errors)
			}
			// Every request leaks one goroutine: strain's count is the
			// handler's (a request cut off at the end may have leaked), and the fastest second of growth lies between the
			// run's mean leak rate and its fastest interval's request rate.
			// (A bound of twice the mean failed once: under -race on a busy
			// machine the rate is far from steady, 3,372/s on average with
			// a second of 7,285/s.)
			leaked := float64(h.leaked.Load())
			if got, cut := rep.Summary["requests"], rep.Summary["unfinished"]; leaked < got || leaked > got+cut {
				t.Errorf("strain counted %v requests (+ %v cut off at the end); the handler leaked %v goroutines", got, cut, leaked)
			}
			growth := rep.Summary["target.goroutines_growth.max"]
			mean, fastest := leaked/rep.DurationSeconds, rep.Summary["throughput.max"]
			if growth < mean/2 || growth > fastest*1.5 {
				t.Errorf("growth %.0f/s; the handler leaked %.0f/s on average, and the fastest interval ran %.0f req/s", growth, mean, fastest)
			}
			if _, err := os.Stat(filepath.Join(t.ArtifactDir(), straintest.ReportFile)); err != nil {
				t.Errorf("no report among the artifacts: %v", err)
			}
			checkLeakProfile(t, rep.Profiles)
		})
	}
}

// checkLeakProfile finds the alert's goroutine profile and its largest
// stack in leakedWorker.
func checkLeakProfile(t *testing.T, ps []report.Profile) {
	t.Helper()
	for _, p := range ps {
		if p.Kind != string(profiles.Goroutine) {
			continue
		}
		prof, err := profiles.Read(p.Path)
		if err != nil {
			t.Fatal(err)
		}
		stacks, err := profiles.Stacks(prof)
		if err != nil || len(stacks) == 0 {
			t.Fatalf("stacks: %v", err)
		}
		if where := profiles.Where(stacks[0].Frames); !strings.Contains(where, "leakedWorker") {
			t.Errorf("largest stack is in %s, want leakedWorker", where)
		}
		return
	}
	t.Errorf("no goroutine profile captured: %v", ps)
}

func TestBadConfigStopsTheTest(t *testing.T) {
	_, err := straintest.Run(t.Context(), http.NotFoundHandler(), straintest.Config{Gates: []string{"latncy.p99 < 1s"}})
	if err == nil || !strings.Contains(err.Error(), "did you mean latency.p99") {
		t.Errorf("err = %v, want the unknown metric named", err)
	}
}

// machinery are strain's packages that load and watch, as the issue
// lists them: a goroutine of the handler's has none of their frames.
var machinery = []string{"loadgen", "monitor", "session", "profiles", "alert", "diagnose",
	"straintest", "internal", "tui", "report", "export", "webhook", "capacity", "merge"}

// machineryFrame is the first frame of s in one of strain's machinery
// packages, or "".
func machineryFrame(s *profile.Sample) string {
	for _, fn := range functions(s) {
		pkg, _, _ := strings.Cut(fn, ".")
		if slices.Contains(machinery, pkg) {
			return fn
		}
	}
	return ""
}

// The goroutine dump captured from a leaking handler has the leak and the
// handler's server, and none of strain's own goroutines: those of the
// process strain runs in, where the handler runs too.
func TestHandlerDumpLeavesStrainOut(t *testing.T) {
	const concurrency = 4
	h := &leaker{leak: true, release: make(chan struct{})}
	defer close(h.release)
	rep, err := straintest.Run(t.Context(), h, straintest.Config{
		Concurrency: concurrency,
		Alerts:      []string{"target.goroutines_growth > 20 capture goroutine"},
		Profiles:    t.TempDir(),
	})
	if err != nil {
		t.Fatal(err)
	}
	p := captured(t, rep.Profiles, profiles.Goroutine)
	var leaked, serving, total int64
	for _, s := range p.Sample {
		n := s.Value[0]
		total += n
		fns := functions(s)
		switch {
		case slices.Contains(fns, "straintest_test.leakedWorker"):
			leaked += n
		case slices.Contains(fns, "http.(*conn).serve"):
			serving += n
		}
		if fn := machineryFrame(s); fn != "" {
			t.Errorf("%d goroutines in a stack through strain's %s: %v", n, fn, fns)
		}
	}
	t.Logf("%d goroutines: %d leaked, %d serving connections; the handler had leaked %d by the end", total, leaked, serving, h.leaked.Load())
	if leaked == 0 || leaked > h.leaked.Load() {
		t.Errorf("%d goroutines in leakedWorker; the handler leaked %d by the end of the run", leaked, h.leaked.Load())
	}
	// The load's connections, each served by a goroutine of the handler's
	// server, are open from the first point to the last.
	if serving < concurrency {
		t.Errorf("%d goroutines serving connections, want at least the load's %d", serving, concurrency)
	}
}
