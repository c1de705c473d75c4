package session_test

import (
	"context"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/strain-dev/strain/alert"
	"github.com/strain-dev/strain/metric"
	"github.com/strain-dev/strain/monitor"
	"github.com/strain-dev/strain/session"
	"github.com/strain-dev/strain/session/lines"
	"github.com/strain-dev/strain/target"
)

// End ends the captures in flight with the run, as an interrupt does: a
// CPU profile an alert began is cancelled, not waited for, and once Run
// has returned nothing of the run is left running.
func TestEndCancelsCapturesInFlight(t *testing.T) {
	srv := target.New(target.Options{})
	hs := httptest.NewServer(srv.Handler())
	defer func() { hs.Close(); srv.Close() }()
	rule, err := alert.ParseRule("target.goroutines > 0 capture cpu", metric.NewCatalogue())
	if err != nil {
		t.Fatal(err)
	}
	before := settledGoroutines(-1)
	var s *session.Session
	points := 0
	sink := session.SinkFunc(func(p *session.Point) {
		if points++; points == 3 {
			s.End(session.ErrInterrupted)
		}
	})
	var log strings.Builder
	s, err = session.New(session.Config{
		Watch: []monitor.Spec{spec(t, hs.URL)}, Rules: []*alert.Rule{rule}, Profiles: t.TempDir(), CPUProfile: 20 * time.Second,
		Interval: 100 * time.Millisecond, Duration: time.Minute, Sinks: []session.Sink{sink}, Log: lines.Shared(&log),
		NoDiagnosis: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	rep, err := s.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 8*time.Second {
		t.Errorf("Run took %v after End: the CPU capture in flight (20s) was waited for\n%s", took, log.String())
	}
	if !rep.Interrupted || !strings.Contains(log.String(), "cpu cancelled") {
		t.Errorf("interrupted %v; want interrupted, and the log to say the CPU capture was cancelled:\n%s", rep.Interrupted, log.String())
	}
	hs.Close()
	srv.Close()
	if after := settledGoroutines(before); after > before {
		buf := make([]byte, 1<<20)
		t.Errorf("%d goroutines after the run, %d before:\n%s", after, before, buf[:runtime.Stack(buf, true)])
	}
}

// settledGoroutines is the number of goroutines once it has fallen to
// want, or after a while; with a negative want, after a moment.
func settledGoroutines(want int) int {
	n := runtime.NumGoroutine()
	for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline) && n > want; {
		time.Sleep(20 * time.Millisecond)
		n = runtime.NumGoroutine()
		if want < 0 {
			break
		}
	}
	return n
}
