package straintest

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/pprof"
	rpprof "runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/google/pprof/profile"
	"github.com/strain-dev/strain/internal/machinery"
)

// Run's target is the process strain runs in, so its profiles hold
// strain's goroutines (the load's workers, the monitor's loop, the
// session's, the capturer's) beside the handler's. Run serves the
// handler's profiles without them: a sample is strain's when its
// goroutine carries ownLabel or its stack has a frame in one of
// strain's machinery packages.

// ownLabel is the pprof label, with the value ownValue, that Run puts on
// every goroutine it starts: the session's, and the runtime server's.
// Goroutines inherit their creator's labels, so the load's connections and
// the runtime server's, which have no frame of strain's in their stacks,
// carry it too; the handler's server is started without it.
const (
	ownLabel = "strain"
	ownValue = "machinery"
)

// labelled runs f with ownLabel on its goroutine, and so on every
// goroutine f starts.
func labelled(ctx context.Context, f func(context.Context)) {
	rpprof.Do(ctx, rpprof.Labels(ownLabel, ownValue), f)
}

// own reports whether s is a sample of strain's machinery.
func own(s *profile.Sample) bool {
	for _, v := range s.Label[ownLabel] {
		if v == ownValue {
			return true
		}
	}
	for _, loc := range s.Location {
		for _, l := range loc.Line {
			if l.Function != nil && machinery.Func(l.Function.Name) {
				return true
			}
		}
	}
	return false
}

// withoutOwn drops strain's samples from p, and what only they used.
func withoutOwn(p *profile.Profile) *profile.Profile {
	kept := p.Sample[:0]
	for _, s := range p.Sample {
		if !own(s) {
			kept = append(kept, s)
		}
	}
	p.Sample = kept
	return p.Compact()
}

// pprofIndex serves net/http/pprof's index and profiles, with the
// goroutine, mutex and block profiles, at debug=0 (the protobuf a capture
// asks for), rid of strain's samples. The text forms (debug=1 and 2) are
// served as the runtime writes them, strain's stacks included.
func pprofIndex(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, "/debug/pprof/")
	switch name {
	case "goroutine", "mutex", "block":
		if debug, _ := strconv.Atoi(r.FormValue("debug")); debug == 0 {
			serveSnapshot(w, name)
			return
		}
	}
	pprof.Index(w, r)
}

// serveSnapshot writes runtime/pprof's profile name without strain's
// samples.
func serveSnapshot(w http.ResponseWriter, name string) {
	var buf bytes.Buffer
	if err := rpprof.Lookup(name).WriteTo(&buf, 0); err != nil {
		http.Error(w, fmt.Sprintf("write %s profile: %v", name, err), http.StatusInternalServerError)
		return
	}
	serveFiltered(w, &buf)
}

// pprofCPU serves a CPU profile as net/http/pprof's Profile does (for
// ?seconds=, 30 when absent), without strain's samples.
func pprofCPU(w http.ResponseWriter, r *http.Request) {
	sec, err := strconv.ParseInt(r.FormValue("seconds"), 10, 64)
	if err != nil || sec <= 0 {
		sec = 30
	}
	var buf bytes.Buffer
	if err := rpprof.StartCPUProfile(&buf); err != nil {
		// pprof's words, which a capture quotes.
		http.Error(w, "Could not enable CPU profiling: "+err.Error(), http.StatusInternalServerError)
		return
	}
	t := time.NewTimer(time.Duration(sec) * time.Second)
	select {
	case <-t.C:
	case <-r.Context().Done():
		t.Stop()
	}
	rpprof.StopCPUProfile()
	if r.Context().Err() != nil {
		return
	}
	serveFiltered(w, &buf)
}

// serveFiltered parses the profile in buf and writes it without strain's
// samples.
func serveFiltered(w http.ResponseWriter, buf *bytes.Buffer) {
	p, err := profile.Parse(buf)
	if err != nil {
		http.Error(w, fmt.Sprintf("parse profile: %v", err), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	withoutOwn(p).Write(w)
}
