// Package straintest runs strain inside `go test`: load against an
// http.Handler (served by httptest, its runtime watched in-process through
// package vitals) or a URL, alert rules and gates in strain's language,
// and on failure the summary in the test's log, with the run's report and
// the captured profiles in the test's artifact directory.
//
//	func TestCheckoutHoldsUp(t *testing.T) {
//		straintest.Handler(t, checkout, straintest.Config{
//			Concurrency: 4,
//			Gates:       []string{"latency.p99 < 50ms", "target.goroutines_growth.max < 20"},
//		})
//	}
//
// The closed model (Concurrency) suits a growth gate best: its connections,
// and the server's goroutines behind them, are all open by the first point,
// where the open model (Rate) opens more as requests queue.
//
// Handler and URL fail the test through t; Run and RunURL return the
// report for code that is not a test. Every run is bounded: a Config
// without Duration or Requests runs DefaultDuration.
package straintest

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/pprof"
	"strings"
	"time"

	"github.com/strain-dev/strain/alert"
	"github.com/strain-dev/strain/loadgen"
	"github.com/strain-dev/strain/monitor"
	"github.com/strain-dev/strain/report"
	"github.com/strain-dev/strain/session"
	"github.com/strain-dev/strain/vitals"
)

// Defaults for a Config's zero fields: short enough for a unit test, long
// enough for several points of the timeline.
const (
	DefaultDuration     = 2 * time.Second
	DefaultInterval     = 250 * time.Millisecond
	DefaultGrowthWindow = time.Second
)

// Config is one run of load. The zero value sends GET / from 10 workers
// (the closed model) for DefaultDuration.
type Config struct {
	Method string      // GET when empty
	Path   string      // on the handler, or appended to the URL; "/" when empty
	Header http.Header // sent with every request
	Body   []byte

	Rate        float64       // open model: requests started per second; 0 for the closed model
	Concurrency int           // closed model: requests in flight (default 10); open: the cap on them
	Duration    time.Duration // DefaultDuration when zero and Requests is zero
	Requests    int64         // stop after this many
	Timeout     time.Duration // per request (loadgen's default when zero)

	// Gates judge the whole run: "latency.p99 < 50ms",
	// "target.goroutines_growth.max < 20", "error_rate < 1%".
	Gates []string
	// Alerts are rules evaluated on every point; their captures
	// ("... capture goroutine") land in the artifact directory.
	Alerts []string

	// Interval is one point of the timeline (DefaultInterval when zero),
	// GrowthWindow the span NAME_growth is measured over
	// (DefaultGrowthWindow when zero).
	Interval     time.Duration
	GrowthWindow time.Duration
	// Profiles is where captures go; Handler and URL use the test's
	// artifact directory.
	Profiles string
}

// Run loads h, served on loopback by httptest, and watches the runtime of
// this very process (where h runs) as the target "handler". The report is
// complete: summary, alerts, profiles, gates and Passed. The error is for
// a run that could not be carried out, or a Config that does not parse.
//
// For the run, Run turns on the process's mutex and block profiles, which
// a test process otherwise leaves off, so that a capture of either shows
// the handler's contention; after it, the mutex profile fraction is what
// it was and the block profile is off (see profileRates).
//
// The profiles captured from the handler leave strain's own goroutines
// and stacks out (see own.go): what is left is the handler's, its
// server's, and the runtime's. The figure target.goroutines does not: it
// is runtime.NumGoroutine, strain's goroutines included (a few dozen, and
// one per worker and connection of the load). Telling them apart takes a
// goroutine profile, about 12ms of the process's time at 5,000 goroutines
// and more as a leak grows, at every point: too much to spend inside the
// process being measured. Growth gates are unaffected in the closed
// model, whose workers and connections are all open by the first point.
func Run(ctx context.Context, h http.Handler, cfg Config) (rep *report.Report, err error) {
	defer profileRates()()
	// The handler's server is started before the label: its goroutines,
	// and those its connections and handler start, are the target's.
	srv := httptest.NewServer(h)
	defer srv.Close()
	labelled(ctx, func(ctx context.Context) {
		runtime := httptest.NewServer(runtimeMux())
		defer runtime.Close()
		spec, perr := monitor.ParseSpec("handler=" + runtime.URL)
		if perr != nil {
			err = perr
			return
		}
		rep, err = run(ctx, srv.URL, []monitor.Spec{spec}, cfg)
	})
	return rep, err
}

// RunURL loads url (cfg.Path appended), watching the targets given as
// strain --watch SPECs ("api=http://127.0.0.1:8080,pid:4242"), if any.
func RunURL(ctx context.Context, url string, cfg Config, watch ...string) (*report.Report, error) {
	var specs []monitor.Spec
	for _, w := range watch {
		s, err := monitor.ParseSpec(w)
		if err != nil {
			return nil, err
		}
		specs = append(specs, s)
	}
	return run(ctx, strings.TrimSuffix(url, "/"), specs, cfg)
}

// runtimeMux serves this process's runtime: strain's endpoint and pprof,
// whose goroutine, mutex, block and CPU profiles leave strain's samples
// out. An execution trace is served whole: its events are not samples
// with a stack each to drop.
func runtimeMux() http.Handler {
	mux := http.NewServeMux()
	mux.Handle(monitor.VitalsPath, vitals.Handler())
	mux.HandleFunc("/debug/pprof/", pprofIndex)
	mux.HandleFunc("/debug/pprof/profile", pprofCPU)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}

func run(ctx context.Context, base string, specs []monitor.Spec, cfg Config) (*report.Report, error) {
	scfg, err := cfg.session(base, specs)
	if err != nil {
		return nil, err
	}
	s, err := session.New(scfg)
	if err != nil {
		return nil, err
	}
	return s.Run(ctx)
}

// session turns cfg into a session's config for a load on base.
func (cfg Config) session(base string, specs []monitor.Spec) (session.Config, error) {
	load := cfg.load(base)
	sc := session.Config{Load: &load, Watch: specs, GrowthWindow: cfg.GrowthWindow, Profiles: cfg.Profiles}
	if sc.GrowthWindow == 0 {
		sc.GrowthWindow = DefaultGrowthWindow
	}
	cat := session.Catalogue(specs)
	for _, text := range cfg.Gates {
		g, err := alert.ParseGate(text, cat)
		if err != nil {
			return sc, fmt.Errorf("gate %w", err)
		}
		sc.Gates = append(sc.Gates, g)
	}
	for _, text := range cfg.Alerts {
		r, err := alert.ParseRule(text, cat)
		if err != nil {
			return sc, fmt.Errorf("alert %w", err)
		}
		sc.Rules = append(sc.Rules, r)
	}
	return sc, nil
}

// load is the loadgen config of cfg against base.
func (cfg Config) load(base string) loadgen.Config {
	t := loadgen.Target{Method: cfg.Method, URL: base + cfg.Path, Header: cfg.Header, Body: cfg.Body}
	if t.Method == "" {
		t.Method = http.MethodGet
	}
	if cfg.Path == "" {
		t.URL = base + "/"
	}
	l := loadgen.Config{Targets: []loadgen.Target{t}, Rate: cfg.Rate, Concurrency: cfg.Concurrency,
		Duration: cfg.Duration, Requests: cfg.Requests, Timeout: cfg.Timeout, Interval: cfg.Interval}
	if l.Interval == 0 {
		l.Interval = DefaultInterval
	}
	if l.Duration == 0 && l.Requests == 0 {
		l.Duration = DefaultDuration
	}
	return l
}
