package capacity

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"

	"sync/atomic"
	"testing"
	"time"

	"github.com/strain-dev/strain/alert"
	"github.com/strain-dev/strain/loadgen"
	"github.com/strain-dev/strain/metric"
	"github.com/strain-dev/strain/report"
	"github.com/strain-dev/strain/session"
	"golang.org/x/time/rate"
)

// bucket is a service whose capacity is known by construction: a token
// bucket at its rate, 429 for a request that finds no token. It counts
// what it answered, the truth strain's counts are checked against.
type bucket struct {
	lim          *rate.Limiter
	ok, rejected atomic.Int64
}

func (b *bucket) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	if b.lim.Allow() {
		b.ok.Add(1)
		return
	}
	b.rejected.Add(1)
	w.WriteHeader(http.StatusTooManyRequests)
}

func gates(t *testing.T, exprs ...string) []*alert.Gate {
	t.Helper()
	gs, err := alert.ParseGates(exprs, metric.NewCatalogue())
	if err != nil {
		t.Fatal(err)
	}
	return gs
}

func searchConfig(t *testing.T, url string, slos ...string) Config {
	t.Helper()
	targets, err := (&loadgen.Request{Method: "GET"}).Targets([]string{url})
	if err != nil {
		t.Fatal(err)
	}
	return Config{
		Run:  session.Config{Load: &loadgen.Config{Targets: targets, Interval: 250 * time.Millisecond}, Profiles: t.TempDir()},
		SLOs: gates(t, slos...), Start: 50, Precision: 0.2, Step: time.Second, Warmup: time.Second, Pause: -1,
	}
}

// TestFindsATokenBucketsRate searches a 200 req/s token bucket under
// "error_rate < 1%": the answer lies within the precision below 200, the
// bound is the error rate, and every request strain counts is one the
// service answered.
func TestFindsATokenBucketsRate(t *testing.T) {
	svc := &bucket{lim: rate.NewLimiter(200, 40)}
	srv := httptest.NewServer(svc)
	defer srv.Close()
	cfg := searchConfig(t, srv.URL, "error_rate < 1%")
	cfg.Gates = gates(t, "capacity >= 100")
	var log bytes.Buffer
	cfg.Run.Log = &log
	rep := runSearch(t, cfg)
	got := *rep.Capacity
	if got > 200 || got < 200/1.2 {
		t.Errorf("capacity %g, want within 20%% below 200\n%s", got, log.String())
	}
	if rep.Search.Outcome != report.OutcomeFound || rep.BoundBy == nil || rep.BoundBy.Metric != "error_rate" {
		t.Errorf("outcome %q, bound by %+v; want found, by error_rate", rep.Search.Outcome, rep.BoundBy)
	}
	if rep.Summary["capacity"] != got || !rep.Passed || len(rep.Gates) != 1 || !rep.Gates[0].Pass {
		t.Errorf("summary capacity %g, passed %v, gates %+v", rep.Summary["capacity"], rep.Passed, rep.Gates)
	}
	answered := svc.ok.Load() + svc.rejected.Load()
	// A request in flight when its step ended is answered but not
	// counted: the search counts those apart.
	counted := rep.StatusCodes["200"] + rep.StatusCodes["429"]
	if answered < counted || answered > counted+rep.Search.Unfinished {
		t.Errorf("strain counted %d responses and %d unfinished; the service answered %d", counted, rep.Search.Unfinished, answered)
	}
	checkSteps(t, rep)
}

// runSearch runs a search of cfg to its end.
func runSearch(t *testing.T, cfg Config) *report.Report {
	t.Helper()
	return finish(t, newSearch(t, cfg))
}

// newSearch readies a search of cfg.
func newSearch(t *testing.T, cfg Config) *Search {
	t.Helper()
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// finish runs s to its end.
func finish(t *testing.T, s *Search) *report.Report {
	t.Helper()
	rep, err := s.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// checkSteps holds what every search's steps must: rates under the
// ceiling, each measured and judged, the series on one rising timeline.
func checkSteps(t *testing.T, rep *report.Report) {
	t.Helper()
	if len(rep.Steps) < 3 {
		t.Fatalf("%d steps", len(rep.Steps))
	}
	for i, st := range rep.Steps {
		if st.Rate > rep.Search.Ceiling || st.DurationSeconds <= 0 || len(st.SLOs) < 3 {
			t.Errorf("step %d: %+v", i, st)
		}
		if i > 0 && st.Start <= rep.Steps[i-1].Start {
			t.Errorf("step %d starts at %g, before step %d's %g", i, st.Start, i-1, rep.Steps[i-1].Start)
		}
	}
	for i := 1; i < len(rep.Series); i++ {
		if rep.Series[i].T <= rep.Series[i-1].T {
			t.Fatalf("series point %d at %g, after %g", i, rep.Series[i].T, rep.Series[i-1].T)
		}
	}
}

// TestInterruptReportsWhatWasFound stops a search after its first steps:
// the report is marked interrupted, keeps the steps judged, and says
// where the capacity lies so far.
func TestInterruptReportsWhatWasFound(t *testing.T) {
	srv := httptest.NewServer(&bucket{lim: rate.NewLimiter(rate.Inf, 0)})
	defer srv.Close()
	cfg := searchConfig(t, srv.URL, "latency.p99 < 1s")
	steps := 0
	var s *Search
	cfg.Run.Log = lineFunc(func(line string) {
		if bytes.Contains([]byte(line), []byte("held")) {
			if steps++; steps == 2 {
				s.End(session.ErrInterrupted)
			}
		}
	})
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := s.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Interrupted || rep.Passed || rep.Search.Outcome != report.OutcomeInterrupted {
		t.Errorf("interrupted %v passed %v outcome %q", rep.Interrupted, rep.Passed, rep.Search.Outcome)
	}
	if *rep.Capacity != 100 || rep.Search.Range != [2]float64{100, 0} {
		t.Errorf("capacity %g range %v, want 100 and [100, 0]", *rep.Capacity, rep.Search.Range)
	}
}

// lineFunc is a log that calls f with each write.
type lineFunc func(string)

func (f lineFunc) Write(p []byte) (int, error) { f(string(p)); return len(p), nil }

func TestConfigRefusals(t *testing.T) {
	srv := httptest.NewServer(&bucket{lim: rate.NewLimiter(rate.Inf, 0)})
	defer srv.Close()
	for name, change := range map[string]func(*Config){
		"no SLO":          func(c *Config) { c.SLOs = nil },
		"ceiling":         func(c *Config) { c.Ceiling = 10 },
		"precision":       func(c *Config) { c.Precision = 1.5 },
		"short step":      func(c *Config) { c.Step = 100 * time.Millisecond },
		"budget":          func(c *Config) { c.MaxTime = time.Second },
		"start below one": func(c *Config) { c.Start = 0.5 },
	} {
		cfg := searchConfig(t, srv.URL, "latency.p99 < 1s")
		change(&cfg)
		if _, err := New(cfg); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestUnreachableAtTheStart(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	s, err := New(searchConfig(t, url, "latency.p99 < 1s"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Run(context.Background())
	var unreachable *session.UnreachableError
	if !errorsAs(err, &unreachable) {
		t.Errorf("err %v, want unreachable", err)
	}
}

func errorsAs(err error, target any) bool { return errors.As(err, target) }

// The time budget ends the search before a step that could not end
// within it, and the report says so, with what it found.
func TestBudgetEndsTheSearch(t *testing.T) {
	srv := httptest.NewServer(&bucket{lim: rate.NewLimiter(rate.Inf, 0)})
	defer srv.Close()
	cfg := searchConfig(t, srv.URL, "latency.p99 < 1s")
	cfg.MaxTime = 3 * time.Second // room for one step of 2s
	rep := runSearch(t, cfg)
	if rep.Search.Outcome != report.OutcomeBudget || len(rep.Steps) != 1 || *rep.Capacity != 50 || rep.Interrupted {
		t.Errorf("outcome %q, %d steps, capacity %g, interrupted %v; want budget after one step, 50", rep.Search.Outcome, len(rep.Steps), *rep.Capacity, rep.Interrupted)
	}
	if rep.DurationSeconds > 3 {
		t.Errorf("the search took %.1fs of a 3s budget", rep.DurationSeconds)
	}
}

// {{seq}} numbers a search's requests across its steps: no key repeats
// from one step to the next.
func TestSeqGoesOnAcrossSteps(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen[r.URL.Path]++
		mu.Unlock()
	}))
	defer srv.Close()
	cfg := searchConfig(t, srv.URL+"/k/{{seq}}", "error_rate < 1%")
	cfg.Ceiling = 200
	rep := runSearch(t, cfg)
	mu.Lock()
	defer mu.Unlock()
	if len(rep.Steps) < 2 {
		t.Fatalf("%d steps: the test needs two", len(rep.Steps))
	}
	for key, n := range seen {
		if n != 1 {
			t.Errorf("%s sent %d times", key, n)
		}
	}
	if seen["/k/0"] != 1 || len(seen) < 100 {
		t.Errorf("%d keys, /k/0 seen %d times", len(seen), seen["/k/0"])
	}
}
