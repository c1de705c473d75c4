package profiles

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"sync"
	"time"

	"github.com/google/pprof/profile"
)

// ErrClosed is returned by Capture after Close.
var ErrClosed = errors.New("capturer closed")

// resultBuffer is how many outcomes wait on Results before their
// goroutines block; a reader that keeps up never sees the difference.
const resultBuffer = 64

// Capturer takes captures in the background and writes them under its
// directory. Open starts it, Capture hands it requests without waiting,
// Results delivers every outcome, and Close cancels what is in flight and
// waits for it.
type Capturer struct {
	cfg       Config
	ownClient bool
	ctx       context.Context
	cancel    context.CancelFunc
	wg        sync.WaitGroup
	results   chan Capture

	// mu guards the bookkeeping below. It is held for decisions and for
	// rewriting the index (so that two captures finishing together cannot
	// leave the older index last), never while fetching.
	mu     sync.Mutex
	closed bool
	adm    *admission
	names  map[string]bool // file names taken by this Capturer
	index  *Index
	kept   []Capture
}

// Open checks cfg's directory (to be made, with its missing parents, at the first capture), reads any
// index already there, and returns a Capturer ready for requests.
func Open(cfg Config) (*Capturer, error) {
	own := cfg.Client == nil
	cfg = cfg.withDefaults()
	if err := checkDir(cfg.Dir); err != nil {
		return nil, err
	}
	idx, err := ReadIndex(cfg.Dir)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Capturer{
		cfg: cfg, ownClient: own, ctx: ctx, cancel: cancel,
		results: make(chan Capture, resultBuffer),
		adm:     newAdmission(cfg), names: map[string]bool{}, index: idx,
	}, nil
}

// Dir is the directory the Capturer writes to.
func (c *Capturer) Dir() string { return c.cfg.Dir }

// Results delivers one Capture for each kind of each accepted Request:
// written, skipped or failed. It is closed by Close. Read it: outcomes
// beyond its buffer wait (without holding up any load) until read or
// until Close.
func (c *Capturer) Results() <-chan Capture { return c.results }

// Captures returns the captures this Capturer has written so far, oldest
// first.
func (c *Capturer) Captures() []Capture {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.kept)
}

// Capture starts req's captures and returns at once: the caller, a load
// or an alert engine, never waits on a target. Each kind's outcome arrives
// on Results. ctx bounds the captures (as Close does). Capture returns an
// error only for a request it cannot take at all: invalid, or after Close.
func (c *Capturer) Capture(ctx context.Context, req Request) error {
	j, err := newJob(req)
	if err != nil {
		return err
	}
	now := time.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return ErrClosed
	}
	for _, k := range req.Kinds {
		cp := j.capture(k, now)
		c.wg.Add(1)
		if why := c.adm.admit(j.slot(k), req.Reason, now); why != "" {
			cp.Skipped = why
			go func() { defer c.wg.Done(); c.report(cp) }()
			continue
		}
		go c.run(ctx, j, cp)
	}
	return nil
}

// Keep writes a profile strain built itself rather than fetched (an
// execution-trace window's blocked time, by stack) as a capture of kind k
// from target, for reason, under the same byte cap, file names and index
// as the others. A capture past the cap comes back Skipped, unwritten.
func (c *Capturer) Keep(target string, k Kind, reason string, p *profile.Profile) (Capture, error) {
	cp := Capture{Target: cmp.Or(target, "self"), Kind: k, Reason: reason, Time: time.Now()}
	if !k.valid() || k.isTrace() {
		return cp, fmt.Errorf("keep a %q profile: not a pprof profile's kind", k)
	}
	var buf bytes.Buffer
	if err := p.Write(&buf); err != nil {
		return cp, fmt.Errorf("encode profile: %w", err)
	}
	c.mu.Lock()
	closed := c.closed
	c.mu.Unlock()
	if closed {
		return cp, ErrClosed
	}
	err := c.keep(&cp, buf.Bytes())
	return cp, err
}

// Take asks for reqs, as Capture does, and waits for every outcome,
// calling each with them in the order they arrive: a one-off capture, for
// a caller with nothing else to do meanwhile. It reads Results, which
// nothing else may read until it returns. It returns once all outcomes
// have arrived; with ctx's error once ctx is done; or with Capture's error,
// at once, for a request it cannot take.
func (c *Capturer) Take(ctx context.Context, reqs []Request, each func(Capture)) error {
	n := 0
	for _, r := range reqs {
		if err := c.Capture(ctx, r); err != nil {
			return err
		}
		n += len(r.Kinds)
	}
	for range n {
		select {
		case cp := <-c.Results():
			each(cp)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// Drain waits for the captures in flight to end, or for ctx. Call it once
// no more captures will be asked for, before Close, which cancels them.
func (c *Capturer) Drain(ctx context.Context) error {
	done := make(chan struct{})
	go func() {
		c.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close cancels the captures in flight, waits for them, and closes
// Results. It is safe to call more than once, and from several goroutines
// at once: every call returns only once no capture is being written.
func (c *Capturer) Close() error {
	c.mu.Lock()
	first := !c.closed
	c.closed = true
	c.mu.Unlock()
	c.cancel()
	c.wg.Wait()
	if !first {
		return nil
	}
	close(c.results)
	if c.ownClient {
		c.cfg.Client.CloseIdleConnections()
	}
	return nil
}

// report delivers cp. After Close it is dropped: nobody is reading, and
// a written capture is in the index anyway.
func (c *Capturer) report(cp Capture) {
	select {
	case c.results <- cp:
		return
	default:
	}
	select {
	case c.results <- cp:
	case <-c.ctx.Done():
	}
}

// job is a validated Request with its target's URLs worked out.
type job struct {
	req           Request
	self          bool
	pprof, flight string
}

func newJob(req Request) (*job, error) {
	if len(req.Kinds) == 0 {
		return nil, errors.New("capture: no kinds asked for")
	}
	for _, k := range req.Kinds {
		if !k.valid() {
			return nil, fmt.Errorf("capture: unknown kind %q", k)
		}
	}
	j := &job{req: req, self: req.URL == ""}
	// The caller may reuse its map; captures outlive the call.
	j.req.Load = maps.Clone(req.Load)
	if j.self {
		j.req.Target = cmp.Or(req.Target, "self")
		return j, nil
	}
	var err error
	if j.pprof, j.flight, err = Endpoints(req.URL); err != nil {
		return nil, fmt.Errorf("capture: %w", err)
	}
	if j.req.Target == "" {
		u, _ := url.Parse(req.URL)
		j.req.Target = u.Host
	}
	return j, nil
}

// slot is kind k of j's target, which admission keys by where it is
// served rather than by name: two names for one service still share its
// one CPU profiler.
func (j *job) slot(k Kind) slot {
	if j.self {
		return slot{"self", k}
	}
	return slot{j.pprof, k}
}

// capture is the outcome record for kind k, before it is taken.
func (j *job) capture(k Kind, now time.Time) Capture {
	return Capture{
		Target: j.req.Target, Kind: k, Reason: j.req.Reason, Alert: j.req.Alert,
		Time: now, Load: j.req.Load,
	}
}
