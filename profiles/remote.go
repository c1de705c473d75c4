package profiles

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/strain-dev/strain/internal/safe"
)

// FlightPath is where a service serves vitals' flight recorder.
const FlightPath = "/debug/strain/flight"

// maxBody bounds a body read when no byte cap applies.
const maxBody = 1 << 30

// Bounds on a target's words quoted in an error, in runes: a status line
// ("503 Service Unavailable") and the first line of an error page, where
// net/http/pprof says what went wrong ("Could not enable CPU profiling:
// cpu profiling already in use").
const (
	maxStatusLen  = 64
	maxMessageLen = 200
)

// errTooLarge is a body longer than the limit it was read with.
var errTooLarge = errors.New("body too large")

// Endpoints returns the pprof base URL ("…/debug/pprof/") and the flight
// recorder URL of a target given by its base URL or its /debug/pprof/ URL.
func Endpoints(raw string) (pprofBase, flight string, err error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", "", fmt.Errorf("target %q: want an http(s) URL of the service or of its /debug/pprof/", raw)
	}
	u.RawQuery, u.Fragment = "", ""
	root := strings.TrimSuffix(u.Path, "/")
	root = strings.TrimSuffix(root, "/debug/pprof")
	u.Path = root + "/debug/pprof/"
	pprofBase = u.String()
	u.Path = root + FlightPath
	return pprofBase, u.String(), nil
}

// remoteURL is where kind k is served for a capture of d.
func remoteURL(pprofBase, flight string, k Kind, d time.Duration) string {
	switch k {
	case CPU:
		return pprofBase + "profile?seconds=" + seconds(d)
	case Trace:
		return pprofBase + "trace?seconds=" + seconds(d)
	case Flight:
		return flight
	}
	return pprofBase + string(k)
}

// wholeSeconds rounds d up to whole seconds, at least one: what pprof's
// ?seconds= can ask for.
func wholeSeconds(d time.Duration) time.Duration {
	return time.Duration(max(1, math.Ceil(d.Seconds()))) * time.Second
}

// seconds is d for pprof's ?seconds=.
func seconds(d time.Duration) string {
	return fmt.Sprint(int64(wholeSeconds(d) / time.Second))
}

// fetch GETs u and returns its body, reading at most limit bytes. A status
// other than 200 is an error carrying the first line of the body, which is
// where net/http/pprof says what went wrong.
func fetch(ctx context.Context, client *http.Client, u string, limit int64) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		line, _, _ := strings.Cut(strings.TrimSpace(string(msg)), "\n")
		// Both are the target's to write, and end on a terminal.
		return nil, fmt.Errorf("GET %s: %s: %s", u, safe.Line(resp.Status, maxStatusLen), safe.Line(line, maxMessageLen))
	}
	body, err := readAtMost(resp.Body, limit+1)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", u, err)
	}
	if int64(len(body)) > limit {
		return nil, errTooLarge
	}
	return body, nil
}
