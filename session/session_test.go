package session_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/strain-dev/strain/alert"
	"github.com/strain-dev/strain/loadgen"
	"github.com/strain-dev/strain/metric"
	"github.com/strain-dev/strain/monitor"
	"github.com/strain-dev/strain/session"
	"github.com/strain-dev/strain/vitals"
)

func spec(t *testing.T, s string) monitor.Spec {
	t.Helper()
	sp, err := monitor.ParseSpec(s)
	if err != nil {
		t.Fatal(err)
	}
	return sp
}

// A run's counts are the server's, and a pid:-only target is in its
// series and summary with the metrics it has.
func TestRunCountsMatchServerAndWatchesAPid(t *testing.T) {
	var served atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { served.Add(1) }))
	defer srv.Close()
	var points atomic.Int64
	s, err := session.New(session.Config{
		Load:  &loadgen.Config{Targets: []loadgen.Target{{Method: "GET", URL: srv.URL}}, Concurrency: 4, Requests: 500, Interval: 100 * time.Millisecond},
		Watch: []monitor.Spec{spec(t, "pid:"+strconv.Itoa(os.Getpid()))},
		Sinks: []session.Sink{session.SinkFunc(func(*session.Point) { points.Add(1) })},
	})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := s.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got := rep.Summary["requests"]; got != 500 || served.Load() != 500 {
		t.Errorf("requests %v, server saw %d, want 500", got, served.Load())
	}
	if int(points.Load()) != len(rep.Series) {
		t.Errorf("the sink saw %d points of %d", points.Load(), len(rep.Series))
	}
	if _, ok := rep.Summary["target.rss.max"]; !ok {
		t.Errorf("no target.rss.max in %v", keys(rep.Summary, "target"))
	}
	if got := rep.Runtimes(); len(got) != 2 || got[0] != metric.OneTarget {
		t.Errorf("runtimes %v, want the target then self", got)
	}
	if !rep.Passed || rep.Interrupted {
		t.Errorf("passed %v interrupted %v", rep.Passed, rep.Interrupted)
	}
}

// Without load a session samples for its duration, and its RSS agrees
// with the kernel's own reading of this process.
func TestWatchWithoutLoad(t *testing.T) {
	s, err := session.New(session.Config{
		Watch:    []monitor.Spec{spec(t, "me=pid:"+strconv.Itoa(os.Getpid()))},
		Interval: 100 * time.Millisecond, Duration: 600 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := s.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Series) < 3 || rep.Load.Model != "none" {
		t.Fatalf("%d points, model %q", len(rep.Series), rep.Load.Model)
	}
	rss := rep.Summary["target.rss.last"]
	kernel := vmRSS(t)
	if rss < kernel/2 || rss > kernel*2 {
		t.Errorf("target.rss %v, /proc says %v", rss, kernel)
	}
}

// vmRSS is this process's resident set, as /proc/self/status has it.
func vmRSS(t *testing.T) float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skip("no /proc:", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) == 3 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb * 1024
		}
	}
	t.Fatal("no VmRSS")
	return 0
}

// The default leak rule judges target.goroutines_growth, which the
// session derives: a library user's leak rule fires.
func TestGrowthRuleFires(t *testing.T) {
	mux := http.NewServeMux()
	mux.Handle(monitor.VitalsPath, vitals.Handler())
	rt := httptest.NewServer(mux)
	defer rt.Close()
	release := make(chan struct{})
	defer close(release)
	go func() { // leak 40 goroutines every 100ms: 400/s
		for range time.Tick(100 * time.Millisecond) {
			select {
			case <-release:
				return
			default:
			}
			for range 40 {
				go func() { <-release }()
			}
		}
	}()
	rule, err := alert.ParseRule("target.goroutines_growth > 100", metric.NewCatalogue())
	if err != nil {
		t.Fatal(err)
	}
	s, err := session.New(session.Config{
		Watch: []monitor.Spec{spec(t, rt.URL)}, Rules: []*alert.Rule{rule},
		Interval: 100 * time.Millisecond, Duration: 1500 * time.Millisecond, GrowthWindow: 500 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := s.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range rep.Alerts {
		if a.State == "firing" {
			// At most 400/s, less when a busy machine delays the ticks;
			// the slope itself is tested on a fake clock in watcher_test.
			if a.Value > 3*400 {
				t.Errorf("fired at %v/s; goroutines grew by at most 400/s", a.Value)
			}
			return
		}
	}
	t.Errorf("the growth rule never fired: %v (growth max %v)", rep.Alerts, rep.Summary["target.goroutines_growth.max"])
}

func TestEndBeforeRunInterrupts(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	s, err := session.New(session.Config{Load: &loadgen.Config{Targets: []loadgen.Target{{Method: "GET", URL: srv.URL}}, Duration: time.Minute}})
	if err != nil {
		t.Fatal(err)
	}
	s.End(session.ErrInterrupted)
	start := time.Now()
	rep, err := s.Run(context.Background())
	if err != nil || !rep.Interrupted || rep.Passed {
		t.Fatalf("report %+v, err %v: want it interrupted", rep, err)
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("a stopped run took %v", d)
	}
	if _, err := s.Run(context.Background()); err == nil {
		t.Error("a second Run was allowed")
	}
}

func TestUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	s, err := session.New(session.Config{Load: &loadgen.Config{Targets: []loadgen.Target{{Method: "GET", URL: url}}}, ProbeWait: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Run(context.Background())
	var u *session.UnreachableError
	if !errors.As(err, &u) {
		t.Errorf("err = %v, want an UnreachableError", err)
	}
}

func keys(m map[string]float64, prefix string) []string {
	var out []string
	for k := range m {
		if strings.HasPrefix(k, prefix) {
			out = append(out, k)
		}
	}
	return out
}

// A self-signed certificate fails every request as tls; the report says
// what to try, and with Insecure the same run succeeds without the hint.
func TestSelfSignedHintsInsecure(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.NotFoundHandler())
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the handshakes that fail are the point
	srv.StartTLS()
	defer srv.Close()
	for _, insecure := range []bool{false, true} {
		s, err := session.New(session.Config{Load: &loadgen.Config{Targets: []loadgen.Target{{Method: "GET", URL: srv.URL}}, Requests: 20, Insecure: insecure, OKStatus: mustStatus(t, "404")}})
		if err != nil {
			t.Fatal(err)
		}
		rep, err := s.Run(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		hinted := strings.Contains(strings.Join(rep.Warnings, "\n"), "--insecure")
		if hinted == insecure || insecure && rep.Summary["errors"] != 0 || !insecure && rep.ErrorsByKind["tls"] != 20 {
			t.Errorf("insecure %v: warnings %q, errors by kind %v", insecure, rep.Warnings, rep.ErrorsByKind)
		}
	}
}

func mustStatus(t *testing.T, s string) loadgen.StatusSet {
	set, err := loadgen.ParseStatusSet(s)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// Without load, the watched targets are the run's: one that is not there
// at the start makes the run impossible, as a load's dead target does.
func TestWatchUnreachableCannotRun(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	dead := srv.URL
	srv.Close()
	for _, raw := range []string{dead, "pid:999999999"} {
		s, err := session.New(session.Config{Watch: []monitor.Spec{spec(t, raw)}, Duration: time.Second, ProbeWait: 200 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.Run(context.Background())
		var u *session.UnreachableError
		if !errors.As(err, &u) {
			t.Errorf("%s: err = %v, want an UnreachableError", raw, err)
		}
	}
}

// A gate on a metric the watched target cannot provide (a pid has no
// scheduler latency) is said early, not only as "no data" at the end.
func TestGateWithoutDataIsSaidEarly(t *testing.T) {
	g, err := alert.ParseGate("target.sched_latency.p99.max < 10ms", metric.NewCatalogue())
	if err != nil {
		t.Fatal(err)
	}
	var log strings.Builder
	s, err := session.New(session.Config{
		Watch: []monitor.Spec{spec(t, "pid:"+strconv.Itoa(os.Getpid()))}, Gates: []*alert.Gate{g},
		Interval: 100 * time.Millisecond, Duration: 500 * time.Millisecond, Log: &log,
	})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := s.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), `gate "target.sched_latency.p99.max < 10ms": no target.sched_latency.p99 in the first 3 intervals`) {
		t.Errorf("log:\n%s", log.String())
	}
	if len(rep.Gates) != 1 || !rep.Gates[0].NoData || rep.Passed {
		t.Errorf("gates %+v passed %v: want the gate failed with no data", rep.Gates, rep.Passed)
	}
}

// A cooldown watches the target on after the load, without load figures,
// for as long as it was asked; diagnosis sees those points.
func TestCooldownWatchesAfterTheLoad(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	s, err := session.New(session.Config{
		Load:     &loadgen.Config{Targets: []loadgen.Target{{Method: "GET", URL: srv.URL}}, Concurrency: 2, Duration: 500 * time.Millisecond, Interval: 100 * time.Millisecond},
		Watch:    []monitor.Spec{spec(t, "pid:"+strconv.Itoa(os.Getpid()))},
		Cooldown: 500 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := s.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var load, after int
	for _, p := range rep.Series {
		_, hasLoad := p.Metrics["throughput"]
		switch _, hasTarget := p.Metrics["target.rss"]; {
		case hasLoad:
			load++
		case hasTarget && p.T > rep.DurationSeconds:
			after++
		}
	}
	// 5 intervals of load, then about 5 of cooldown: a busy machine may
	// lose one tick.
	if rep.Load.CooldownSeconds != 0.5 || load < 4 || after < 3 || after > 6 {
		t.Errorf("cooldown %v: %d points under load, %d after", rep.Load.CooldownSeconds, load, after)
	}
	if len(rep.Findings) == 0 {
		t.Error("no findings: diagnosis did not run")
	}
	if _, err := session.New(session.Config{Cooldown: -time.Second}); err == nil {
		t.Error("a negative cooldown was accepted")
	}
}

// End with a reason aborts a watch as it aborts a load: now, as failed, not
// interrupted, at the time since the watch began.
func TestAbortEndsAWatch(t *testing.T) {
	var s *session.Session
	points := 0
	abortAt := 0.0
	sink := session.SinkFunc(func(p *session.Point) {
		if points++; points == 3 {
			abortAt = p.T
			s.End(errors.New("enough seen"))
		}
	})
	var err error
	s, err = session.New(session.Config{
		Watch:    []monitor.Spec{spec(t, "me=pid:"+strconv.Itoa(os.Getpid()))},
		Interval: 100 * time.Millisecond, Duration: 30 * time.Second, Sinks: []session.Sink{sink},
	})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	rep, err := s.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if time.Since(start) > 10*time.Second || rep.Interrupted || rep.Passed {
		t.Fatalf("took %v, interrupted %v, passed %v; want ended at once, failed, not interrupted", time.Since(start), rep.Interrupted, rep.Passed)
	}
	var at float64
	for _, w := range rep.Warnings {
		if strings.Contains(w, "enough seen") {
			if _, err := fmt.Sscanf(w, "aborted at %fs", &at); err != nil {
				t.Fatalf("warning %q: %v", w, err)
			}
		}
	}
	if at < abortAt-0.1 || at > abortAt+1 {
		t.Errorf("aborted at %.1fs, want about %.1fs (the third point's time); warnings %q", at, abortAt, rep.Warnings)
	}
}
