package profiles

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"

	"github.com/google/pprof/profile"
)

// traceMagic starts every Go execution trace ("go 1.26 trace\x00\x00\x00").
const traceMagic = "go 1."

// maxProfileBytes bounds a pprof profile once decompressed, which is what
// parsing it costs: the parser holds it and several times its size in
// structures (a 400 MB one took strain to 919 MB). A busy service's heap
// or goroutine profile is a few MB; a gzip of 400 KB can hold 400 MB.
const maxProfileBytes = 64 << 20

// maxProfileBody is the longest body of a pprof profile worth reading: a
// gzip as pprof writes it (one stream) is longer than what it holds by a
// few bytes per 64 KiB block at most, so one past this holds more than
// maxProfileBytes.
const maxProfileBody = maxProfileBytes + maxProfileBytes>>6

// errEmpty is a capture whose body is empty.
var errEmpty = errors.New("empty body")

// check validates a captured body for kind k and returns the body to keep
// (gzipped, for a pprof kind served uncompressed) and a warning if the
// capture, though valid, holds nothing.
func check(k Kind, body []byte) (keep []byte, warning string, err error) {
	if len(body) == 0 {
		return nil, "", errEmpty
	}
	if k.isTrace() {
		if !bytes.HasPrefix(body, []byte(traceMagic)) {
			return nil, "", fmt.Errorf("not a Go execution trace (no %q header)", traceMagic)
		}
		return body, "", nil
	}
	p, err := parse(body)
	if err != nil {
		return nil, "", err
	}
	if len(p.Sample) == 0 {
		warning = emptyWarning(k)
	}
	if isGzip(body) {
		return body, warning, nil
	}
	keep, err = gzipped(body)
	return keep, warning, err
}

// parse parses a pprof profile, gzipped or not, of at most
// maxProfileBytes once decompressed.
func parse(body []byte) (p *profile.Profile, err error) {
	// The parser reads what a target sent; a bug in it must cost one
	// capture, not the run.
	defer func() {
		if r := recover(); r != nil {
			p, err = nil, fmt.Errorf("parse profile: parser panicked: %v", r)
		}
	}()
	data := body
	if isGzip(body) {
		if data, err = gunzip(body, maxProfileBytes); err != nil {
			return nil, err
		}
	}
	switch {
	case len(data) > maxProfileBytes:
		return nil, fmt.Errorf("profile is over %d MiB, more than strain parses", maxProfileBytes>>20)
	case isGzip(data):
		// ParseData would decompress it again, without a bound.
		return nil, errors.New("profile is gzipped twice")
	}
	return profile.ParseData(data)
}

// gunzip decompresses body, reading at most limit bytes out of it.
func gunzip(body []byte, limit int64) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("decompress profile: %w", err)
	}
	data, err := readAtMost(zr, limit)
	if err == nil && int64(len(data)) == limit {
		// One byte more tells a profile of exactly limit from a longer one.
		if n, _ := io.ReadFull(zr, make([]byte, 1)); n > 0 {
			return nil, fmt.Errorf("profile decompresses to over %d MiB, more than strain parses", limit>>20)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("decompress profile: %w", err)
	}
	return data, nil
}

// readAtMost reads r to its end or to n bytes, whichever comes first, in
// a buffer that doubles from n/2^k up to n: it allocates about twice what
// it returns at most (io.ReadAll, which grows by a quarter at this size,
// five times; a bytes.Buffer would double past n).
func readAtMost(r io.Reader, n int64) ([]byte, error) {
	size := n
	for size > 64<<10 {
		size = (size + 1) / 2
	}
	buf := make([]byte, 0, size)
	for {
		if len(buf) == cap(buf) {
			if int64(len(buf)) >= n {
				return buf, nil
			}
			grown := make([]byte, len(buf), min(2*int64(cap(buf)), n))
			copy(grown, buf)
			buf = grown
		}
		m, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+m]
		switch {
		case err == io.EOF:
			return buf, nil
		case err != nil:
			return nil, err
		}
	}
}

// emptyWarning explains an empty profile of kind k.
func emptyWarning(k Kind) string {
	switch k {
	case Mutex:
		return "no samples: no contention yet, or the target never set runtime.SetMutexProfileFraction"
	case Block:
		return "no samples: no blocking yet, or the target never set runtime.SetBlockProfileRate"
	case Blocking:
		return "no samples: the event loop has not been blocked past the agent's threshold (20 ms)"
	}
	return "no samples"
}

func isGzip(b []byte) bool { return len(b) >= 2 && b[0] == 0x1f && b[1] == 0x8b }

// gzipped compresses b, so that a file named .pb.gz is what it says.
func gzipped(b []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
