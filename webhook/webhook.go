// Package webhook POSTs a run's alert events as JSON to a URL, bounded in
// every way so it never holds the run back: a queue, a few tries, a
// timeout, a drain at the end. A Notifier is a session.Sink.
package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/strain-dev/strain/internal/redact"
	"github.com/strain-dev/strain/loadgen"
	"github.com/strain-dev/strain/report"
	"github.com/strain-dev/strain/session"
)

// Delivery's bounds.
const (
	Queue   = 64              // events waiting; past it they are dropped
	Tries   = 3               // per event
	Timeout = 5 * time.Second // per try
	Drain   = 5 * time.Second // at most this long at the end of a run
)

// Notifier POSTs alert events as JSON from its own goroutine; events that
// find the queue full are counted as dropped, not waited for.
type Notifier struct {
	url     string
	client  *http.Client
	queue   chan report.Alert
	done    chan struct{}
	mu      sync.Mutex // guards the counts, read by close
	sent    int
	failed  int
	dropped int
}

var _ session.Finisher = (*Notifier)(nil)

// New starts a notifier that POSTs to url.
func New(url string) (*Notifier, error) {
	if _, err := loadgen.ParseURL(url); err != nil {
		return nil, fmt.Errorf("webhook: %w", err)
	}
	client := &http.Client{Timeout: Timeout, Transport: &http.Transport{Proxy: nil}, CheckRedirect: sameHost}
	w := &Notifier{url: url, client: client, queue: make(chan report.Alert, Queue), done: make(chan struct{})}
	go w.loop()
	return w, nil
}

// sameHost refuses a redirect to another host (or scheme): a 307 or 308
// would re-POST the events, and any credentials in the URL's userinfo,
// to wherever the webhook's server says.
func sameHost(req *http.Request, via []*http.Request) error {
	first := via[0].URL
	if req.URL.Host != first.Host || req.URL.Scheme != first.Scheme {
		return fmt.Errorf("redirect to %s://%s refused: not the webhook's host", req.URL.Scheme, req.URL.Host)
	}
	if len(via) >= 10 {
		return errors.New("stopped after 10 redirects")
	}
	return nil
}

// Observe queues the point's alert events.
func (w *Notifier) Observe(p *session.Point) {
	for _, a := range p.Events {
		w.send(a)
	}
}

// send queues an event, or counts it dropped when the queue is full.
func (w *Notifier) send(a report.Alert) {
	select {
	case w.queue <- a:
	default:
		w.mu.Lock()
		w.dropped++
		w.mu.Unlock()
	}
}

func (w *Notifier) loop() {
	defer close(w.done)
	for a := range w.queue {
		err := w.post(a)
		w.mu.Lock()
		if err != nil {
			w.failed++
		} else {
			w.sent++
		}
		w.mu.Unlock()
	}
}

// post delivers one event, retrying with a short backoff.
func (w *Notifier) post(a report.Alert) error {
	body, _ := json.Marshal(a)
	var err error
	for try := range Tries {
		if try > 0 {
			time.Sleep(time.Duration(try) * 200 * time.Millisecond)
		}
		var resp *http.Response
		resp, err = w.client.Post(w.url, "application/json", bytes.NewReader(body))
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode < 300 {
				return nil
			}
			err = fmt.Errorf("status %s", resp.Status)
		}
	}
	return err
}

// Finish waits a bounded time for queued events to go out, and puts in
// rep a warning of what did not reach the webhook, if anything.
func (w *Notifier) Finish(ctx context.Context, rep *report.Report) {
	close(w.queue)
	select {
	case <-w.done:
	case <-time.After(Drain):
	case <-ctx.Done():
	}
	if warn := w.warning(); warn != "" {
		rep.Warnings = append(rep.Warnings, warn)
	}
}

// warning says what did not reach the webhook, if anything.
func (w *Notifier) warning() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.failed+w.dropped == 0 {
		return ""
	}
	return fmt.Sprintf("alert webhook %s: %d events sent, %d failed after %d tries, %d dropped (queue full)", redact.URL(w.url), w.sent, w.failed, Tries, w.dropped)
}
