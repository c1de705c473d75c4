package diagnose

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/pprof/profile"
	"github.com/strain-dev/strain/profiles"
	"github.com/strain-dev/strain/report"
)

// capture is this process's profile of kind, as a target serves it.
func capture(t *testing.T, kind string) *profile.Profile {
	t.Helper()
	var buf bytes.Buffer
	if err := pprof.Lookup(kind).WriteTo(&buf, 0); err != nil {
		t.Fatal(err)
	}
	p, err := profile.Parse(&buf)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

var held sync.Mutex

//go:noinline
func holdTheLock(d time.Duration) {
	held.Lock()
	time.Sleep(d)
	held.Unlock()
}

//go:noinline
func parkedForever(release <-chan struct{}) { <-release }

// A mutex profile's top is sync.(*Mutex).Unlock, the standard library's:
// the function of the program's own that holds the lock comes first.
func TestMutexEvidenceNamesTheHolder(t *testing.T) {
	old := runtime.SetMutexProfileFraction(1)
	defer runtime.SetMutexProfileFraction(old)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() { defer wg.Done(); holdTheLock(2 * time.Millisecond) }()
	}
	wg.Wait()
	sh := summary(capture(t, "mutex"), profiles.Mutex)
	if len(sh.top) == 0 || !strings.HasPrefix(sh.top[0], "diagnose.holdTheLock") {
		t.Errorf("mutex evidence %v, want diagnose.holdTheLock first", sh.top)
	}
	if want := "github.com/strain-dev/strain/diagnose.holdTheLock"; sh.fn != want {
		t.Errorf("culprit function %q, want %q", sh.fn, want)
	}
}

// Two goroutine dumps: the stacks that grew between them, the parked
// goroutines first, with their count.
func TestLeakEvidenceIsWhatGrew(t *testing.T) {
	base := capture(t, "goroutine")
	release := make(chan struct{})
	for range 50 {
		go parkedForever(release)
	}
	time.Sleep(50 * time.Millisecond) // let them park
	defer close(release)
	newer := capture(t, "goroutine")
	got := grown(base, newer)
	if len(got.top) == 0 || got.top[0] != "diagnose.parkedForever +50 goroutines" {
		t.Errorf("grown %v, want diagnose.parkedForever +50 goroutines first", got.top)
	}
	if want := "github.com/strain-dev/strain/diagnose.parkedForever"; got.fn != want {
		t.Errorf("grown's culprit function %q, want %q", got.fn, want)
	}
	if dump := summary(newer, profiles.Goroutine); !strings.Contains(strings.Join(dump.top, ";"), "50 goroutines in diagnose.parkedForever") {
		t.Errorf("dump %v", dump.top)
	}
}

// Attach reads the capture taken within a finding's span and names the
// culprit in its summary; a capture of another target, or from before the
// span, is not its evidence.
func TestAttachPicksTheFindingsCapture(t *testing.T) {
	started := time.Now()
	pr := capture(t, "goroutine")
	read := func(path string) (*profile.Profile, error) { return pr, nil }
	caps := []report.Profile{
		{Path: "early", Kind: "goroutine", Target: "api", Time: started},
		{Path: "other", Kind: "goroutine", Target: "db", Time: started.Add(11 * time.Second)},
		{Path: "own", Kind: "goroutine", Target: "api", Reason: Reason(report.Stall), Time: started.Add(12 * time.Second)},
	}
	fs := []report.Finding{{Kind: report.Stall, Target: "api", Start: 10, End: 13, Summary: "No request completed."}}
	NewProfiles(read).Attach(fs, caps, started)
	ev := fs[0].Evidence
	if len(ev) != 1 || ev[0].Profile != "own" || !strings.HasPrefix(fs[0].Culprit, "Waiting: ") || fs[0].Summary != "No request completed." {
		t.Errorf("evidence %+v, culprit %q, summary %q", ev, fs[0].Culprit, fs[0].Summary)
	}
}

// A leak's evidence is what grew from the first dump in its span to the
// last: both named, and the function that grew, in full, for the HTML
// report to mark.
func TestAttachNamesTheLeaksDumpsAndFunction(t *testing.T) {
	started := time.Now()
	dumps := map[string]*profile.Profile{"first": capture(t, "goroutine")}
	running, release := make(chan struct{}), make(chan struct{})
	defer close(release)
	for range 50 {
		go leakedHere(running, release)
	}
	for range 50 { // each in leakedHere: a goroutine not yet run has no stack
		<-running
	}
	dumps["last"] = capture(t, "goroutine")
	read := func(path string) (*profile.Profile, error) { return dumps[path], nil }
	caps := []report.Profile{
		{Path: "first", Kind: "goroutine", Time: started.Add(5 * time.Second)},
		{Path: "last", Kind: "goroutine", Time: started.Add(20 * time.Second)},
	}
	fs := []report.Finding{{Kind: report.Leak, Start: 5, End: 20}}
	NewProfiles(read).Attach(fs, caps, started)
	want := report.Evidence{Profile: "last", Base: "first", Function: "github.com/strain-dev/strain/diagnose.leakedHere",
		Top: []string{"diagnose.leakedHere +50 goroutines"}}
	if ev := fs[0].Evidence; len(ev) != 1 || ev[0].Profile != want.Profile || ev[0].Base != want.Base || ev[0].Function != want.Function || len(ev[0].Top) == 0 || ev[0].Top[0] != want.Top[0] {
		t.Errorf("evidence %+v, want %+v", ev, want)
	}
}

//go:noinline
func leakedHere(running, release chan struct{}) {
	running <- struct{}{}
	<-release
}

// An event loop's agent is asked only for what agents serve: no
// allocation or mutex profile.
func TestWantsForAnEventLoop(t *testing.T) {
	for _, kind := range report.Kinds {
		for _, k := range WantsFor(kind, true) {
			if k == profiles.Allocs || k == profiles.Mutex || k == profiles.Block {
				t.Errorf("%s asks an event loop's agent for %s", kind, k)
			}
		}
		if len(Wants(kind)) > 0 && len(WantsFor(kind, true)) == 0 {
			t.Errorf("%s asks an event loop's agent for nothing", kind)
		}
	}
	if got := WantsFor(report.GCPressure, false); len(got) != 1 || got[0] != profiles.Allocs {
		t.Errorf("a Go target's GC pressure wants %v", got)
	}
}

//go:noinline
func leakedForTest(release chan struct{}) { <-release }

// One dump of a leak names what is held, not the load's connections:
// here 40 idle keep-alive connections outnumber 10 leaked goroutines.
func TestLeakedSkipsTheLoadsConnections(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer srv.Close()
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for range 40 { // each connection's server goroutine waits for its next request
		c, err := net.Dial("tcp", srv.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		bufio.NewReader(c).ReadString('\n')
		conns = append(conns, c)
	}
	release := make(chan struct{})
	defer close(release)
	for range 10 {
		go leakedForTest(release)
	}
	time.Sleep(50 * time.Millisecond) // the goroutines reach their waits
	sh := leaked(capture(t, "goroutine"))
	if !strings.Contains(sh.fn, "leakedForTest") {
		t.Errorf("leaked names %q (%v), want leakedForTest", sh.fn, sh.top)
	}
	for _, line := range sh.top {
		if strings.Contains(line, "netFD).Read") {
			t.Errorf("a connection is listed: %v", sh.top)
		}
	}
}
