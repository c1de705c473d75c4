package webhook

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/strain-dev/strain/report"
	"github.com/strain-dev/strain/session"
)

// A webhook that redirects elsewhere does not get the events re-POSTed
// to the other host; one that redirects on its own host does.
func TestRedirectStaysOnTheHost(t *testing.T) {
	var elsewhere, home atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { elsewhere.Add(1) }))
	defer other.Close()
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/away":
			http.Redirect(w, r, other.URL+"/steal", http.StatusTemporaryRedirect)
		case "/moved":
			http.Redirect(w, r, "/home", http.StatusPermanentRedirect)
		case "/home":
			home.Add(1)
		}
	}))
	defer hook.Close()
	for _, tc := range []struct {
		path       string
		sent, fail int
	}{{"/away", 0, 1}, {"/moved", 1, 0}} {
		t.Run(tc.path, func(t *testing.T) {
			n, err := New(strings.Replace(hook.URL, "http://", "http://u:pw-secret@", 1) + tc.path)
			if err != nil {
				t.Fatal(err)
			}
			n.Observe(&session.Point{Events: []report.Alert{{Rule: "requests > 0", State: "firing"}}})
			rep := report.New()
			n.Finish(context.Background(), rep)
			if n.sent != tc.sent || n.failed != tc.fail {
				t.Errorf("sent %d, failed %d; want %d, %d", n.sent, n.failed, tc.sent, tc.fail)
			}
			if w := strings.Join(rep.Warnings, "\n"); strings.Contains(w, "pw-secret") || tc.fail > 0 && !strings.Contains(w, "http://xxxxx@") {
				t.Errorf("warnings %q: want the URL there, redacted", rep.Warnings)
			}
		})
	}
	if elsewhere.Load() != 0 {
		t.Errorf("the other host got %d POSTs", elsewhere.Load())
	}
	if home.Load() != 1 {
		t.Errorf("the redirect on the webhook's own host was followed %d times, want 1", home.Load())
	}
}
