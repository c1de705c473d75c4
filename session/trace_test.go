package session_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/pprof"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/strain-dev/strain/loadgen"
	"github.com/strain-dev/strain/monitor"
	"github.com/strain-dev/strain/report"
	"github.com/strain-dev/strain/session"
)

var ledger sync.Mutex

//go:noinline
func appendToLedger() {
	ledger.Lock()
	defer ledger.Unlock()
	for end := time.Now().Add(2 * time.Millisecond); time.Now().Before(end); {
	}
}

// A service that serves pprof alone, mutex profiling off, whose handler
// holds one lock for 2 ms a request: its trace windows show the lock
// waits, the finding is contention, and its culprit the handler's
// function, from the waits the windows kept as a block profile.
func TestTraceWindowsNameTheLock(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { appendToLedger() })
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	sp := spec(t, srv.URL)
	sp.Trace = monitor.TraceConfig{Window: 500 * time.Millisecond, Every: time.Second}
	// The run lasts until five intervals carry a window's lock waits, as
	// the 6 s it takes on an idle machine give; a busy machine parses the
	// windows later, so the bound is far.
	var s *session.Session
	windows := 0
	traced := session.SinkFunc(func(p *session.Point) {
		if _, ok := p.Metrics["target.mutex_wait"]; ok {
			if windows++; windows == 5 {
				s.End(session.ErrInterrupted)
			}
		}
	})
	s, err := session.New(session.Config{
		Load:     &loadgen.Config{Targets: []loadgen.Target{{Method: "GET", URL: srv.URL + "/"}}, Concurrency: 8, Duration: 60 * time.Second, Interval: 500 * time.Millisecond},
		Watch:    []monitor.Spec{sp},
		Profiles: t.TempDir(),
		Sinks:    []session.Sink{traced},
	})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := s.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range rep.Findings {
		if f.Kind != report.Contention {
			continue
		}
		t.Logf("%s; culprit %q; evidence %+v", f.Summary, f.Culprit, f.Evidence)
		if !strings.Contains(f.Culprit, "appendToLedger") {
			t.Errorf("contention's culprit %q, want appendToLedger; evidence %+v", f.Culprit, f.Evidence)
		}
		return
	}
	t.Errorf("no contention among %d findings: %+v", len(rep.Findings), rep.Findings)
}
