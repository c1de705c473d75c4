package profiles

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"

	"github.com/google/pprof/profile"
)

// traceMagic starts every Go execution trace ("go 1.26 trace\x00\x00\x00").
const traceMagic = "go 1."

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
	p, err := profile.ParseData(body)
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

// emptyWarning explains an empty profile of kind k.
func emptyWarning(k Kind) string {
	switch k {
	case Mutex:
		return "no samples: no contention yet, or the target never set runtime.SetMutexProfileFraction"
	case Block:
		return "no samples: no blocking yet, or the target never set runtime.SetBlockProfileRate"
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
