package session_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/strain-dev/strain/loadgen"
	"github.com/strain-dev/strain/monitor"
	"github.com/strain-dev/strain/report"
	"github.com/strain-dev/strain/session"
	"github.com/strain-dev/strain/target"
)

// The demo target's /cache keeps an entry per distinct key. A load whose
// key is {{seq}} makes it grow, and the diagnosis finds the growth and
// names the function that stores, from the heap profile it captured;
// the same load with one fixed key finds the cache warm and says nothing
// of memory.
func TestVaryingKeyFindsTheGrowingCache(t *testing.T) {
	if testing.Short() {
		t.Skip("a 5 s run that grows a heap by 125 MiB")
	}
	for _, tc := range []struct {
		key  string
		grow bool
	}{{"user-{{seq}}", true}, {"user-1", false}} {
		t.Run(tc.key, func(t *testing.T) {
			srv := target.New(target.Options{})
			hs := httptest.NewServer(srv.Handler())
			defer func() { hs.Close(); srv.Close() }()
			url := hs.URL + "/cache?kb=256&key=" + tc.key
			s, err := session.New(session.Config{
				Load: &loadgen.Config{Targets: []loadgen.Target{{Method: "GET", URL: url}}, Rate: 100,
					Requests: 500, Interval: 250 * time.Millisecond},
				Watch:    []monitor.Spec{spec(t, hs.URL)},
				Profiles: t.TempDir(),
			})
			if err != nil {
				t.Fatal(err)
			}
			rep, err := s.Run(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if rep.Summary["requests"] != 500 || rep.Summary["errors"] != 0 {
				t.Fatalf("requests %v errors %v", rep.Summary["requests"], rep.Summary["errors"])
			}
			var found *report.Finding
			for i, f := range rep.Findings {
				if f.Kind == report.MemoryGrowth || f.Kind == report.Leak {
					found = &rep.Findings[i]
				}
			}
			switch {
			case tc.grow && found == nil:
				t.Errorf("no memory_growth or leak among %+v (heap max %v)", rep.Findings, rep.Summary["target.heap.max"])
			case tc.grow && !strings.Contains(found.Culprit, "cache).store"):
				t.Errorf("the growth's culprit %q does not name cache.store; evidence %+v", found.Culprit, found.Evidence)
			case !tc.grow && found != nil:
				t.Errorf("one fixed key: %s %s (culprit %q)", found.Kind, found.Summary, found.Culprit)
			}
			if found != nil {
				t.Logf("%s: %s culprit %q", found.Kind, found.Summary, found.Culprit)
			}
		})
	}
}
