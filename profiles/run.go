package profiles

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/strain-dev/strain/internal/atomicfile"
	"github.com/strain-dev/strain/internal/safe"
)

// run takes one admitted capture and reports it.
func (c *Capturer) run(ctx context.Context, j *job, cp Capture) {
	defer c.wg.Done()
	ctx, cancel := c.bound(ctx)
	defer cancel()
	if err := c.take(ctx, j, &cp); err != nil {
		cp.Err = fmt.Errorf("capture %s %s: %w", cp.Target, cp.Kind, err)
	}
	c.mu.Lock()
	c.adm.done(j.slot(cp.Kind), cp.Written())
	c.mu.Unlock()
	c.report(cp)
}

// bound returns a context done when either ctx or the Capturer is.
func (c *Capturer) bound(ctx context.Context) (context.Context, context.CancelFunc) {
	inner, cancel := context.WithCancel(c.ctx)
	if ctx == nil {
		return inner, cancel
	}
	stop := context.AfterFunc(ctx, cancel)
	return inner, func() { stop(); cancel() }
}

// take grabs, checks and keeps one capture.
func (c *Capturer) take(ctx context.Context, j *job, cp *Capture) error {
	body, err := c.grab(ctx, j, cp.Kind)
	if errors.Is(err, errTooLarge) {
		cp.Skipped = SkipCap
		return nil
	}
	if err != nil {
		return err
	}
	body, cp.Warning, err = check(cp.Kind, body)
	if err != nil {
		// The parser may quote what the target sent.
		return errors.New(safe.Line(err.Error(), maxMessageLen))
	}
	return c.keep(cp, body)
}

// grab records kind k of j's target: over its duration for a timed kind,
// at once for a snapshot, within the Config's Timeout beyond that.
func (c *Capturer) grab(ctx context.Context, j *job, k Kind) ([]byte, error) {
	d := c.duration(j, k)
	ctx, cancel := context.WithTimeout(ctx, d+c.cfg.Timeout)
	defer cancel()
	if j.self {
		return captureSelf(ctx, k, d)
	}
	u := remoteURL(j.pprof, j.flight, k, d)
	if limit := c.limit(); k.isTrace() || limit <= maxProfileBody {
		return fetch(ctx, c.cfg.Client, u, limit)
	}
	// A pprof body past maxProfileBody decompresses past maxProfileBytes:
	// it would be refused, so it is not read.
	body, err := fetch(ctx, c.cfg.Client, u, maxProfileBody)
	if errors.Is(err, errTooLarge) {
		return nil, fmt.Errorf("profile is over %d MiB, more than strain parses", maxProfileBytes>>20)
	}
	return body, err
}

// duration is how long kind k records for j: zero for a snapshot, and in
// whole seconds for a target, as pprof's ?seconds= takes it.
func (c *Capturer) duration(j *job, k Kind) time.Duration {
	var d time.Duration
	switch k {
	case CPU:
		d = cmpDur(j.req.Duration, c.cfg.CPUDuration)
	case Trace:
		d = cmpDur(j.req.Duration, c.cfg.TraceDuration)
	default:
		return 0
	}
	if !j.self {
		d = wholeSeconds(d)
	}
	return d
}

// limit is the largest body worth reading: one that fits under the byte
// cap.
func (c *Capturer) limit() int64 {
	if c.cfg.MaxBytes < 0 {
		return maxBody
	}
	return min(c.cfg.MaxBytes, maxBody)
}

// keep writes body under the directory and records it in the index. A
// body that would pass the byte cap is skipped, not written.
func (c *Capturer) keep(cp *Capture, body []byte) error {
	path, ok := c.reserve(cp, int64(len(body)))
	if !ok {
		cp.Skipped = SkipCap
		return nil
	}
	err := makeDir(c.cfg.Dir)
	if err == nil {
		err = atomicfile.Write(path, func(w io.Writer) error {
			_, err := w.Write(body)
			return err
		})
	}
	if err != nil {
		c.unreserve(path, int64(len(body)))
		return err
	}
	cp.Path, cp.Bytes = path, int64(len(body))
	c.record(cp)
	return nil
}

// reserve claims n bytes under the cap and a file name no capture has.
func (c *Capturer) reserve(cp *Capture, n int64) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.adm.reserve(n) {
		return "", false
	}
	for seq := 1; ; seq++ {
		path := filepath.Join(c.cfg.Dir, fileName(cp.Target, cp.Kind, cp.Time, cp.Reason, seq))
		if _, err := os.Lstat(path); c.names[path] || err == nil {
			continue
		}
		c.names[path] = true
		return path, true
	}
}

func (c *Capturer) unreserve(path string, n int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.adm.release(n)
	delete(c.names, path)
}

// record adds a written capture to the list and rewrites the index. An
// index that cannot be written leaves the file kept, with a warning.
func (c *Capturer) record(cp *Capture) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.index.add(*cp)
	if err := c.index.write(c.cfg.Dir); err != nil {
		cp.Warning = strings.TrimPrefix(cp.Warning+"; update index: "+err.Error(), "; ")
	}
	c.kept = append(c.kept, *cp)
}

func cmpDur(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}
