package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/strain-dev/strain/loadgen"
	"github.com/strain-dev/strain/report"
)

// Webhook delivery: bounded in every way, so it never holds the run back.
const (
	webhookQueue   = 64
	webhookTries   = 3
	webhookTimeout = 5 * time.Second
	webhookDrain   = 5 * time.Second // at most this long at the end of a run
)

// webhook POSTs alert events as JSON from its own goroutine; events that
// find the queue full are counted as dropped, not waited for.
type webhook struct {
	url     string
	client  *http.Client
	queue   chan report.Alert
	done    chan struct{}
	mu      sync.Mutex // guards the counts, read by close
	sent    int
	failed  int
	dropped int
}

func newWebhook(url string) (*webhook, error) {
	if _, err := loadgen.ParseURL(url); err != nil {
		return nil, fmt.Errorf("--alert-webhook: %w", err)
	}
	w := &webhook{url: url, client: &http.Client{Timeout: webhookTimeout, Transport: &http.Transport{Proxy: nil}},
		queue: make(chan report.Alert, webhookQueue), done: make(chan struct{})}
	go w.loop()
	return w, nil
}

// send queues an event; a nil webhook does nothing.
func (w *webhook) send(a report.Alert) {
	if w == nil {
		return
	}
	select {
	case w.queue <- a:
	default:
		w.mu.Lock()
		w.dropped++
		w.mu.Unlock()
	}
}

func (w *webhook) loop() {
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
func (w *webhook) post(a report.Alert) error {
	body, _ := json.Marshal(a)
	var err error
	for try := range webhookTries {
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

// close waits a bounded time for queued events to go out.
func (w *webhook) close(ctx context.Context) {
	if w == nil {
		return
	}
	close(w.queue)
	select {
	case <-w.done:
	case <-time.After(webhookDrain):
	case <-ctx.Done():
	}
}

// warning says what did not reach the webhook, if anything.
func (w *webhook) warning() string {
	if w == nil {
		return ""
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.failed+w.dropped == 0 {
		return ""
	}
	return fmt.Sprintf("alert webhook %s: %d events sent, %d failed after %d tries, %d dropped (queue full)", w.url, w.sent, w.failed, webhookTries, w.dropped)
}
