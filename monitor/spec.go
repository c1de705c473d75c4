package monitor

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Paths a base URL is searched for, most precise source first.
const (
	VitalsPath  = "/debug/strain"
	MetricsPath = "/metrics"
	PprofPath   = "/debug/pprof"
	// discoverWait bounds the look at one base URL.
	discoverWait = 2 * time.Second
	// probeLimit bounds what discovery reads of an endpoint: the start of
	// its answer is all it judges by, and a stream without a newline must
	// not be read to its end.
	probeLimit = 64 << 10
)

// Spec is a parsed --watch SPEC: one target's sources, joined by commas,
// optionally named: "api=http://127.0.0.1:8080,pid:4242".
type Spec struct {
	Name  string
	Bases []string // base URLs whose endpoints are found by Discover
	Pids  []int
	Proms []PromSpec
	Pprof []string // pprof base URLs, e.g. http://host/debug/pprof
	// Trace says how the execution of a target found serving pprof is
	// traced (zero: the defaults; Every < 0: not traced).
	Trace TraceConfig
}

// PromSpec is a Prometheus endpoint and the extra series to pick from it.
type PromSpec struct {
	URL    string
	Series []string
	// Selectors keep, of a series (or of a runtime family strain reads,
	// go_goroutines…), only the label sets they match.
	Selectors map[string]Selector
}

var nameRe = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)

// ParseSpec parses a --watch SPEC. Sources: a base URL (http:// or
// https://), pid:N, prom:URL (optionally #series,series…), pprof:URL.
func ParseSpec(s string) (Spec, error) {
	var spec Spec
	if name, rest, ok := strings.Cut(s, "="); ok && !strings.Contains(name, ":") {
		if !nameRe.MatchString(name) {
			return spec, fmt.Errorf("watch %q: name %q: use letters, digits, '_', '.', '-'", s, name)
		}
		spec.Name, s = name, rest
	}
	inSeries := false
	toks, err := splitSpec(s)
	if err != nil {
		return spec, fmt.Errorf("watch %q: %w", s, err)
	}
	for _, tok := range toks {
		tok = strings.TrimSpace(tok)
		isSource, err := spec.add(tok)
		switch {
		case err != nil:
			return spec, fmt.Errorf("watch %q: %w", s, err)
		case isSource:
			inSeries = strings.HasPrefix(tok, "prom:") && strings.Contains(tok, "#")
		case inSeries && seriesLike(tok):
			if err := spec.Proms[len(spec.Proms)-1].addSeries(tok); err != nil {
				return spec, fmt.Errorf("watch %q: %w", s, err)
			}
		default:
			return spec, fmt.Errorf("watch %q: %q is not a source (a base URL, pid:N, prom:URL or pprof:URL)", s, tok)
		}
	}
	if spec.Name == "" {
		spec.Name = spec.defaultName()
	}
	return spec, nil
}

// ParseSpecs parses several SPECs, one target each. Two targets may not
// share a name, nor take one of reserved (such as the watcher's own).
func ParseSpecs(raw []string, reserved ...string) ([]Spec, error) {
	var specs []Spec
	seen := map[string]bool{}
	for _, name := range reserved {
		seen[name] = true
	}
	for _, r := range raw {
		s, err := ParseSpec(r)
		if err != nil {
			return nil, err
		}
		if seen[s.Name] {
			return nil, fmt.Errorf("watch %q: the name %q is taken; name it: NAME=%s", r, s.Name, r)
		}
		seen[s.Name] = true
		specs = append(specs, s)
	}
	return specs, nil
}

// add adds tok if it is a source, and reports whether it was.
func (s *Spec) add(tok string) (bool, error) {
	kind, rest, _ := strings.Cut(tok, ":")
	switch kind {
	case "pid":
		pid, err := strconv.Atoi(rest)
		if err != nil || pid <= 0 {
			return true, fmt.Errorf("%q: want pid:N with N a process id", tok)
		}
		s.Pids = append(s.Pids, pid)
	case "prom":
		raw, series, _ := strings.Cut(rest, "#")
		if err := checkURL(raw); err != nil {
			return true, err
		}
		p := PromSpec{URL: raw}
		if series != "" {
			if err := p.addSeries(series); err != nil {
				return true, err
			}
		}
		s.Proms = append(s.Proms, p)
	case "pprof":
		if err := checkURL(rest); err != nil {
			return true, err
		}
		s.Pprof = append(s.Pprof, strings.TrimSuffix(rest, "/"))
	case "http", "https":
		if err := checkURL(tok); err != nil {
			return true, err
		}
		s.Bases = append(s.Bases, baseOf(tok))
	default:
		return false, nil
	}
	return true, nil
}

// baseOf is the base URL of raw: one of the endpoints discovery looks
// for, given by its own URL, stands for the service that serves it.
func baseOf(raw string) string {
	raw = strings.TrimSuffix(raw, "/")
	for _, endpoint := range []string{VitalsPath, MetricsPath, PprofPath} {
		if base, ok := strings.CutSuffix(raw, endpoint); ok {
			return base
		}
	}
	return raw
}

func checkURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an http(s) URL", raw)
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("%q: port %s is not a port (1–65535)", raw, p)
		}
	}
	return nil
}

// defaultName is the target's host:port, or its pid.
func (s *Spec) defaultName() string {
	for _, raw := range append(append(append([]string{}, s.Bases...), promURLs(s.Proms)...), s.Pprof...) {
		if u, err := url.Parse(raw); err == nil {
			return u.Host
		}
	}
	if len(s.Pids) > 0 {
		return strconv.Itoa(s.Pids[0])
	}
	return "target"
}

func promURLs(ps []PromSpec) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.URL)
	}
	return out
}

// Discover looks at each base URL for strain's runtime endpoint, a
// Prometheus endpoint and pprof, and returns the target with every source
// found, most precise first, and notes saying what was found where. pprof
// gives two sources: the goroutine count, the least precise, and
// execution-trace windows (unless s.Trace is off), whose exact values
// rank after strain's runtime endpoint and before Prometheus.
func (s Spec) Discover(ctx context.Context, client *http.Client) (Target, []string) {
	var vitalsSrcs, traceSrcs, promSrcs, pprofSrcs []Source
	var notes []string
	for _, base := range s.Bases {
		found := []string{}
		if probeOK(ctx, client, base+VitalsPath, "", isJSONObject) {
			vitalsSrcs = append(vitalsSrcs, NewVitals(base+VitalsPath, client))
			found = append(found, VitalsPath)
		}
		if probeOK(ctx, client, base+MetricsPath, promAccept, isPromText) {
			promSrcs = append(promSrcs, NewProm(base+MetricsPath, nil, client))
			found = append(found, MetricsPath)
		}
		if probeOK(ctx, client, base+PprofPath+"/goroutine?debug=1", "", isGoroutineProfile) {
			pprofSrcs = append(pprofSrcs, s.pprofSource(base+PprofPath, client))
			traceSrcs = s.addTrace(traceSrcs, base+PprofPath, client)
			found = append(found, PprofPath)
		}
		if len(found) == 0 {
			notes = append(notes, fmt.Sprintf("watch %s: found no runtime endpoint, /metrics or pprof at %s", s.Name, base))
			continue
		}
		notes = append(notes, fmt.Sprintf("watch %s: found %s at %s", s.Name, strings.Join(found, ", "), base))
	}
	t := Target{Name: s.Name}
	for _, p := range s.Pprof {
		pprofSrcs = append(pprofSrcs, s.pprofSource(p, client))
		traceSrcs = s.addTrace(traceSrcs, p, client)
	}
	t.Sources = append(t.Sources, vitalsSrcs...)
	t.Sources = append(t.Sources, traceSrcs...)
	for _, pid := range s.Pids {
		t.Sources = append(t.Sources, NewPid(pid))
	}
	for _, p := range s.Proms {
		promSrcs = append(promSrcs, NewPromSpec(p, client))
	}
	t.Sources = append(t.Sources, promSrcs...)
	t.Sources = append(t.Sources, pprofSrcs...)
	return t, notes
}

// addTrace adds to srcs a trace source of the pprof endpoint at base,
// unless tracing is off.
func (s Spec) addTrace(srcs []Source, base string, client *http.Client) []Source {
	if s.Trace.Off() {
		return srcs
	}
	return append(srcs, NewTrace(base, s.Trace, client))
}

// pprofSource is the goroutine source of a pprof base: the count alone
// where trace windows read the waits exactly, else a goroutine dump's
// lock waits too, sampled.
func (s Spec) pprofSource(base string, client *http.Client) Source {
	if s.Trace.Off() {
		return NewPprofWaits(base, client)
	}
	return NewPprofGoroutines(base, client)
}

// probeOK reports whether url answers 200 with a body whose start, at
// most probeLimit bytes, ok likes.
func probeOK(ctx context.Context, client *http.Client, url, accept string, ok func(head []byte) bool) bool {
	ctx, cancel := context.WithTimeout(ctx, discoverWait)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return false
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := client.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return false
	}
	head, _ := io.ReadAll(io.LimitReader(resp.Body, probeLimit))
	return ok(head)
}

func isJSONObject(head []byte) bool { return bytes.HasPrefix(bytes.TrimSpace(head), []byte("{")) }

func isGoroutineProfile(head []byte) bool { return bytes.HasPrefix(head, []byte("goroutine profile:")) }

// isPromText reports whether head starts like a Prometheus text
// exposition: its first line other than a plain comment is a HELP or TYPE
// line, or a sample that parses. Any 200 will not do: a catch-all route
// answers "ok" or a page at /metrics.
func isPromText(head []byte) bool {
	if len(head) == probeLimit {
		// The last line may be cut short; judge the whole ones.
		if i := bytes.LastIndexByte(head, '\n'); i >= 0 {
			head = head[:i+1]
		}
	}
	for line := range bytes.Lines(head) {
		line = bytes.TrimSpace(line)
		switch {
		case len(line) == 0:
			continue
		case line[0] == '#':
			if f := bytes.Fields(line); len(f) >= 3 && (string(f[1]) == "HELP" || string(f[1]) == "TYPE") {
				return true
			}
			continue
		}
		_, err := promParse(io.MultiReader(bytes.NewReader(line), strings.NewReader("\n")))
		return err == nil
	}
	return false
}
