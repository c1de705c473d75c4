package target

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// maxStall bounds /admin/stall so that a typo cannot wedge the service for
// hours.
const maxStall = 10 * time.Minute

// stall is the switchable stall. Waiters re-check whenever it changes, so
// ending or extending a stall takes effect at once for requests already
// waiting.
type stall struct {
	mu      sync.Mutex
	until   time.Time
	changed chan struct{} // closed and replaced on every change
}

func (st *stall) init() { st.changed = make(chan struct{}) }

// Stall holds every demo-endpoint response from now until now+d. A later
// call replaces the end time; d <= 0 ends a stall at once.
func (s *Server) Stall(d time.Duration) { s.stall.set(d) }

// set moves the end of the stall to now+d and returns it.
func (st *stall) set(d time.Duration) time.Time {
	now := time.Now()
	st.mu.Lock()
	defer st.mu.Unlock()
	st.until = time.Time{}
	if d > 0 {
		st.until = now.Add(d)
	}
	close(st.changed)
	st.changed = make(chan struct{})
	if d > 0 {
		return st.until
	}
	return now
}

func (st *stall) state() (until time.Time, changed <-chan struct{}) {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.until, st.changed
}

// active reports whether a stall is in force now.
func (st *stall) active() bool {
	until, _ := st.state()
	return time.Now().Before(until)
}

// wait blocks until no stall is in force or ctx is done.
func (st *stall) wait(ctx context.Context) error {
	for {
		until, changed := st.state()
		left := time.Until(until)
		if left <= 0 {
			return nil
		}
		timer := time.NewTimer(left)
		select {
		case <-ctx.Done():
			timer.Stop()
			return fmt.Errorf("wait for stall to end: %w", ctx.Err())
		case <-changed:
			timer.Stop()
		case <-timer.C:
		}
	}
}

// stallWriter holds the first byte of a response behind a stall, so that a
// stall beginning while a request is being handled delays its response too.
type stallWriter struct {
	http.ResponseWriter
	stall *stall
	r     *http.Request
	held  bool
}

// hold waits out a stall once, before the first byte of the response.
func (w *stallWriter) hold() {
	if w.held {
		return
	}
	w.held = true
	// On cancellation the write below fails anyway, so the error adds
	// nothing.
	_ = w.stall.wait(w.r.Context())
}

// WriteHeader waits out a stall, then sends the header.
func (w *stallWriter) WriteHeader(code int) {
	w.hold()
	w.ResponseWriter.WriteHeader(code)
}

// Write waits out a stall before the first byte, then writes p.
func (w *stallWriter) Write(p []byte) (int, error) {
	w.hold()
	return w.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *stallWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// handleStall serves /admin/stall?for=D. It checks the method itself: a
// method pattern would lose to the /admin/ catch-all and answer 404.
func (s *Server) handleStall(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not allowed: use GET or POST", http.StatusMethodNotAllowed)
		return
	}
	raw := r.FormValue("for")
	if raw == "" {
		badRequest(w, "for: missing; want a duration such as 2s or 0 to end a stall")
		return
	}
	d, err := time.ParseDuration(raw)
	if err != nil || d < 0 || d > maxStall {
		badRequest(w, fmt.Sprintf("for: %q is not a duration between 0 and %s", raw, maxStall))
		return
	}
	end := s.stall.set(d)
	fmt.Fprintf(w, "stall ends at %s\n", end.Format(time.RFC3339Nano))
}
