package h2

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/strain-dev/strain/internal/loadtest"
	"github.com/strain-dev/strain/loadgen"
	"github.com/strain-dev/strain/loadgen/template"
)

// Bodies of every size reach Go's server whole, each request's own: a
// small fixed one, sent by the writer with its HEADERS; one a frame long;
// one a byte longer and one filled per request, each sent by its worker.
func TestH2BodiesArriveWhole(t *testing.T) {
	for _, c := range []struct {
		name string
		body string
	}{
		{"small", strings.Repeat("s", 1000)},
		{"one frame", strings.Repeat("f", h2MaxFrame)},
		{"past a frame", strings.Repeat("p", h2MaxFrame+1)},
		{"templated", "n={{seq}}"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var mu sync.Mutex
			seen := map[string]int{}
			srv, n := loadtest.H2CServer(t, func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				if r.ContentLength != int64(len(b)) {
					t.Errorf("Content-Length %d, body %d bytes", r.ContentLength, len(b))
				}
				mu.Lock()
				seen[string(b)]++
				mu.Unlock()
			})
			_, res := runEngine(t, context.Background(), loadgen.Config{Targets: []loadgen.Target{{URL: srv.URL, Method: "POST", Body: []byte(c.body)}},
				Concurrency: 8, Connections: 1, Requests: 400, Timeout: 10 * time.Second})
			if res.Requests != 400 || res.Errors != 0 || n.Load() != 400 {
				t.Fatalf("requests %d errors %d (%v); the server answered %d", res.Requests, res.Errors, res.Kinds, n.Load())
			}
			for body, k := range seen {
				want := 400
				if c.name == "templated" {
					want = 1
					if _, err := strconv.Atoi(strings.TrimPrefix(body, "n=")); err != nil {
						t.Errorf("body %q", body)
					}
				} else if body != c.body {
					t.Errorf("a body of %d bytes, want %d", len(body), len(c.body))
				}
				if k != want {
					t.Errorf("body %.20q… %d times, want %d", body, k, want)
				}
			}
		})
	}
}

// A small fixed body takes its windows at open and goes with its
// HEADERS; one that does not fit the windows, or is filled per request,
// does not; a request given up on while queued gives the connection's
// window back.
func TestReserve(t *testing.T) {
	var buf bytes.Buffer
	server := &h2Server{opened: make(chan struct{}), in: &buf}
	c, err := newConn(server)
	if err != nil {
		t.Fatal(err)
	}
	defer c.close()
	st := newStream(c)
	small := outgoing{t: &request{lenField: -1}, body: make([]byte, 100)}
	if err := c.open(st, small, time.Now().Add(time.Minute), 1<<10); err != nil {
		t.Fatal(err)
	}
	c.mu.Lock()
	if st.reserved != 100 || c.sendWindow != h2PeerWindow-100 || st.sendWindow != h2PeerWindow-100 {
		t.Errorf("reserved %d, windows %d and %d", st.reserved, c.sendWindow, st.sendWindow)
	}
	st.queued = true // as enqueue leaves it
	c.mu.Unlock()
	c.cancel(st, st.seq, errors.New("given up"))
	c.mu.Lock()
	if st.reserved != 0 || c.sendWindow != h2PeerWindow {
		t.Errorf("after the cancel: reserved %d, the connection's window %d, want it whole", st.reserved, c.sendWindow)
	}
	c.active = 0
	c.mu.Unlock()
	varying := &request{vary: make([]*template.Template, 1), lenField: 0}
	for _, o := range []outgoing{{t: &request{lenField: -1}, body: make([]byte, h2PeerWindow+1)}, {t: varying, body: make([]byte, 10)}} {
		if err := c.open(st, o, time.Now().Add(time.Minute), 1<<10); err != nil {
			t.Fatal(err)
		}
		c.mu.Lock()
		if st.reserved != 0 || c.sendWindow != h2PeerWindow {
			t.Errorf("a body of %d bytes (varying %v): reserved %d, window %d", len(o.body), o.t.vary != nil, st.reserved, c.sendWindow)
		}
		c.active = 0
		c.mu.Unlock()
	}
}
