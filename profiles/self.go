package profiles

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime/pprof"
	"runtime/trace"
	"time"
)

// captureSelf records kind k of this very process, as net/http/pprof
// would serve it.
func captureSelf(ctx context.Context, k Kind, d time.Duration) ([]byte, error) {
	var buf bytes.Buffer
	switch k {
	case CPU:
		if err := pprof.StartCPUProfile(&buf); err != nil {
			return nil, err
		}
		err := sleep(ctx, d)
		pprof.StopCPUProfile()
		return buf.Bytes(), err
	case Trace:
		if err := trace.Start(&buf); err != nil {
			return nil, err
		}
		err := sleep(ctx, d)
		trace.Stop()
		return buf.Bytes(), err
	case Flight:
		return nil, errors.New("strain itself runs no flight recorder")
	}
	p := pprof.Lookup(string(k))
	if p == nil {
		return nil, fmt.Errorf("runtime/pprof has no %s profile", k)
	}
	err := p.WriteTo(&buf, 0)
	return buf.Bytes(), err
}

// sleep waits d, or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
