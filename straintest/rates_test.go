package straintest_test

import (
	"bytes"
	"net/http"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/pprof/profile"
	"github.com/strain-dev/strain/profiles"
	"github.com/strain-dev/strain/report"
	"github.com/strain-dev/strain/straintest"
)

// contended serves every request under one global lock, held lockHold.
type contended struct{ mu sync.Mutex }

const lockHold = 2 * time.Millisecond

func (c *contended) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.contention()
	w.Write([]byte("ok"))
}

// contention is the function that holds the lock: the truth the mutex
// profile is checked against.
func (c *contended) contention() {
	c.mu.Lock()
	defer c.mu.Unlock()
	time.Sleep(lockHold)
}

const contentionFunc = "straintest_test.(*contended).contention"

// A run against a handler that serializes its requests on one lock
// captures a mutex profile that names the function holding it, and
// leaves the process's profile rates as they were.
func TestRunProfilesContention(t *testing.T) {
	before := runtime.SetMutexProfileFraction(-1)
	// Four workers on a lock held 2ms: every request waits for about
	// three others, so p99 is well past 2ms from the first point.
	rep, err := straintest.Run(t.Context(), &contended{}, straintest.Config{
		Concurrency: 4,
		Alerts:      []string{"latency.p99 > 1ms capture mutex"},
		Profiles:    t.TempDir(),
	})
	if err != nil {
		t.Fatal(err)
	}
	p := captured(t, rep.Profiles, profiles.Mutex)
	if len(p.Sample) == 0 {
		t.Fatal("the mutex profile has no samples")
	}
	// The delay (the profile's second value) held up by each function.
	delay, total := map[string]int64{}, int64(0)
	for _, s := range p.Sample {
		total += s.Value[1]
		for _, fn := range functions(s) {
			delay[fn] += s.Value[1]
		}
	}
	t.Logf("%s: %v of %v of contention in the profile", contentionFunc, time.Duration(delay[contentionFunc]), time.Duration(total))
	if got := delay[contentionFunc]; got*2 < total {
		t.Errorf("%s holds %v of %v of contention in the profile, want most of it", contentionFunc, time.Duration(got), time.Duration(total))
	}
	if after := runtime.SetMutexProfileFraction(-1); after != before {
		t.Errorf("mutex profile fraction %d after the run, want %d as before", after, before)
	}
	blockedAfterRun()
	if got := blockStacks(t, "blockedAfterRun"); got != 0 {
		t.Errorf("the block profile recorded %d stacks in blockedAfterRun: the block rate was left on", got)
	}
}

// blockedAfterRun blocks on a channel for a millisecond, which the block
// profile records if its rate is on.
func blockedAfterRun() {
	c := make(chan struct{})
	go func() { time.Sleep(time.Millisecond); close(c) }()
	<-c
}

// captured reads the first written capture of kind k.
func captured(t *testing.T, ps []report.Profile, k profiles.Kind) *profile.Profile {
	t.Helper()
	for _, c := range ps {
		if c.Kind == string(k) {
			p, err := profiles.Read(c.Path)
			if err != nil {
				t.Fatal(err)
			}
			return p
		}
	}
	t.Fatalf("no %s profile among %v", k, ps)
	return nil
}

// functions are the names of s's frames, package path cut to its last
// element, each once.
func functions(s *profile.Sample) []string {
	seen := map[string]bool{}
	var out []string
	for _, loc := range s.Location {
		for _, l := range loc.Line {
			name := l.Function.Name
			if i := strings.LastIndex(name, "/"); i >= 0 {
				name = name[i+1:]
			}
			if !seen[name] {
				seen[name] = true
				out = append(out, name)
			}
		}
	}
	return out
}

// blockStacks counts this process's block profile stacks through fn.
func blockStacks(t *testing.T, fn string) int {
	t.Helper()
	var buf bytes.Buffer
	if err := pprof.Lookup("block").WriteTo(&buf, 0); err != nil {
		t.Fatal(err)
	}
	p, err := profile.Parse(&buf)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, s := range p.Sample {
		for _, name := range functions(s) {
			if strings.HasSuffix(name, "."+fn) {
				n++
			}
		}
	}
	return n
}
