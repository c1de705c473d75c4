package capacity

import (
	"io"
	"strings"
	"sync"
)

// maxSeen bounds the lines onceLog remembers.
const maxSeen = 10_000

// onceLog writes each line of the steps' logs once over the search: what
// discovery found and the targets' warnings are said at the first step,
// not at every step.
type onceLog struct {
	mu   sync.Mutex
	w    io.Writer
	seen map[string]bool
}

func newOnceLog(w io.Writer) *onceLog { return &onceLog{w: w, seen: map[string]bool{}} }

func (o *onceLog) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out strings.Builder
	for _, line := range strings.SplitAfter(string(p), "\n") {
		key := strings.TrimSpace(line)
		if key == "" || o.seen[key] {
			continue
		}
		if len(o.seen) < maxSeen {
			o.seen[key] = true
		}
		out.WriteString(line)
	}
	if out.Len() > 0 {
		if _, err := io.WriteString(o.w, out.String()); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}
