package monitor

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// dumpLimit bounds what is read of a goroutine dump (debug=2): a service
// with a hundred thousand goroutines writes tens of megabytes of it.
const dumpLimit = 32 << 20

// lockWaits are the wait reasons of a goroutine parked on a lock, as a
// goroutine dump shows them (Go 1.20 on; "semacquire" before, which other
// waits share).
var lockWaits = []string{"sync.Mutex.Lock", "sync.RWMutex.Lock", "sync.RWMutex.RLock"}

// dumpEvery is how many samples go by between two dumps: a dump stops
// the target's world while it writes every stack, so it is taken as
// rarely as trace windows are, and the samples between read the count
// from the profile's header alone.
const dumpEvery = 5

// pprofWaits samples a target's goroutines and, every dumpEvery samples,
// how many of them are parked on a lock at that instant, from a full
// goroutine dump (mutex_waiters): the cheaper sampler of lock waits where
// execution-trace windows are off. It is a count at one moment, not the
// time waited over the interval that mutex_wait measures.
type pprofWaits struct {
	pprofGoroutines
	n   int  // samples taken
	cut bool // a dump was past dumpLimit: the header alone from then on
}

// NewPprofWaits returns a Source of a target's goroutines and its lock
// waiters (mutex_waiters, sampled), read from the goroutine profile under
// base, the pprof index. A nil client means http.DefaultClient.
func NewPprofWaits(base string, client *http.Client) Source {
	if client == nil {
		client = http.DefaultClient
	}
	return &pprofWaits{pprofGoroutines: pprofGoroutines{base: base, client: client}}
}

// Sample reads the goroutine count, and every dumpEvery samples the
// dump's lock waiters. A dump cut at dumpLimit is the last: a target
// with that many goroutines pays too much for each.
func (p *pprofWaits) Sample(ctx context.Context) (Metrics, error) {
	p.n++
	if p.cut || (p.n-1)%dumpEvery != 0 {
		return p.pprofGoroutines.Sample(ctx)
	}
	u := strings.TrimSuffix(p.base, "/") + "/goroutine?debug=2"
	resp, err := promGet(ctx, p.client, u, "text/plain")
	if err != nil {
		return nil, fmt.Errorf("scrape %s: %w", u, err)
	}
	defer resp.Body.Close()
	body := &io.LimitedReader{R: resp.Body, N: dumpLimit + 1}
	total, locked, err := countWaits(body)
	if err != nil {
		return nil, fmt.Errorf("scrape %s: %w", u, err)
	}
	if body.N == 0 {
		p.cut = true
		return p.pprofGoroutines.Sample(ctx)
	}
	return Metrics{"goroutines": float64(total), "mutex_waiters": float64(locked)}, nil
}

// countWaits counts a dump's goroutines and those parked on a lock.
func countWaits(r io.Reader) (total, locked int, err error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		// "goroutine 42 [sync.Mutex.Lock, 2 minutes]:"
		line := sc.Text()
		rest, ok := strings.CutPrefix(line, "goroutine ")
		if !ok || !strings.HasSuffix(line, "]:") {
			continue
		}
		_, state, ok := strings.Cut(rest, " [")
		if !ok {
			continue
		}
		total++
		state, _, _ = strings.Cut(strings.TrimSuffix(state, "]:"), ",")
		for _, w := range lockWaits {
			if state == w {
				locked++
			}
		}
	}
	if err := sc.Err(); err != nil {
		return 0, 0, fmt.Errorf("read goroutine dump: %w", err)
	}
	if total == 0 {
		return 0, 0, fmt.Errorf("not a goroutine dump")
	}
	return total, locked, nil
}
