package loadgen

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/strain-dev/strain/loadgen/grpc"
)

// Target is one kind of request the engine sends. Several targets are sent
// in turn.
type Target struct {
	Method string      `json:"method"`
	URL    string      `json:"url"`
	Header http.Header `json:"-"`
	Body   []byte      `json:"-"`
	grpc   bool        // a gRPC call, made by Request.Calls
	// call encodes a gRPC call's message, when it is a template filled
	// call by call: Body then holds the template's JSON.
	call *grpc.Method
}

// Label is the target as a report names it: its method and URL, or a
// gRPC call's "gRPC" and its grpc:// (or grpcs://) URL.
func (t Target) Label() (method, url string) {
	if !t.grpc {
		return t.Method, t.URL
	}
	if rest, ok := strings.CutPrefix(t.URL, "https://"); ok {
		return "gRPC", "grpcs://" + rest
	}
	return "gRPC", "grpc://" + strings.TrimPrefix(t.URL, "http://")
}

// ParseURL checks that raw is an absolute http or https URL with a host.
func ParseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("malformed URL %q", raw)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("URL %q: scheme must be http or https", raw)
	}
	if u.Host == "" || u.Hostname() == "" {
		return nil, fmt.Errorf("URL %q has no host", raw)
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("URL %q: port %s is not a port (1–65535)", raw, p)
		}
	}
	return u, nil
}

// ParseHeader parses one 'Name: value' header. The name must be a token
// and the value free of control characters, so the header goes on the
// wire as it was given.
func ParseHeader(s string) (name, value string, err error) {
	name, value, ok := strings.Cut(s, ":")
	name, value = strings.TrimSpace(name), strings.TrimSpace(value)
	if !ok || !validFieldName(name) {
		return "", "", fmt.Errorf("header %q: want 'Name: value'", s)
	}
	if !validFieldValue(value) {
		return "", "", fmt.Errorf("header %q: the value has a control character", s)
	}
	return name, value, nil
}

// ReadTargets parses a targets file (format below); relative body paths are
// read from the file's own directory.
//
//	# a comment
//	GET http://127.0.0.1:8080/api/items
//	Accept: application/json
//
//	POST http://127.0.0.1:8080/api/items
//	Content-Type: application/json
//	@body.json
//
// Each request is a line 'METHOD URL', then optional 'Name: value' header
// lines, then an optional '@path' line naming a body file; a blank line ends
// it. Errors name the line.
func ReadTargets(path string) ([]Target, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read targets file: %w", err)
	}
	defer f.Close()
	targets, err := ParseTargets(f, filepath.Dir(path))
	if err != nil {
		return nil, fmt.Errorf("targets file %s: %w", path, err)
	}
	return targets, nil
}

// ParseTargets parses the targets format of ReadTargets from r.
func ParseTargets(r io.Reader, dir string) ([]Target, error) {
	var targets []Target
	var cur *Target
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "#"):
		case line == "":
			cur = nil
		case cur == nil:
			t, err := parseRequestLine(line)
			if err != nil {
				return nil, fmt.Errorf("line %d: %w", n, err)
			}
			targets = append(targets, t)
			cur = &targets[len(targets)-1]
		case strings.HasPrefix(line, "@"):
			if err := readBody(cur, dir, line[1:]); err != nil {
				return nil, fmt.Errorf("line %d: %w", n, err)
			}
		default:
			name, value, err := ParseHeader(line)
			if err != nil {
				return nil, fmt.Errorf("line %d: %w", n, err)
			}
			cur.Header.Add(name, value)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read: %w", err)
	}
	if len(targets) == 0 {
		return nil, fmt.Errorf("no requests in it")
	}
	return targets, nil
}

func parseRequestLine(line string) (Target, error) {
	method, raw, ok := strings.Cut(line, " ")
	if !ok || !isToken(method) {
		return Target{}, fmt.Errorf("want 'METHOD URL', got %q", line)
	}
	if _, err := ParseURL(strings.TrimSpace(raw)); err != nil {
		return Target{}, err
	}
	return Target{Method: method, URL: strings.TrimSpace(raw), Header: http.Header{}}, nil
}

func readBody(t *Target, dir, path string) error {
	if t.Body != nil {
		return fmt.Errorf("a second body for %s %s", t.Method, t.URL)
	}
	if !filepath.IsAbs(path) {
		path = filepath.Join(dir, path)
	}
	body, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read body: %w", err)
	}
	t.Body = body
	return nil
}

func isToken(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < 'A' || r > 'Z' {
			return false
		}
	}
	return true
}

// StatusSet is the set of response statuses counted as success. The zero
// value accepts every status below 400.
type StatusSet struct {
	ranges [][2]int
}

// ParseStatusSet parses a list like "200-299,404".
func ParseStatusSet(s string) (StatusSet, error) {
	var set StatusSet
	for _, part := range strings.Split(s, ",") {
		lo, hi, isRange := strings.Cut(strings.TrimSpace(part), "-")
		a, errA := strconv.Atoi(lo)
		b, errB := a, error(nil)
		if isRange {
			b, errB = strconv.Atoi(hi)
		}
		if errA != nil || errB != nil || a < 100 || b > 599 || a > b {
			return StatusSet{}, fmt.Errorf("status %q: want a code or range within 100-599", part)
		}
		set.ranges = append(set.ranges, [2]int{a, b})
	}
	return set, nil
}

// OK reports whether code counts as success.
func (s StatusSet) OK(code int) bool {
	if s.ranges == nil {
		return code < 400
	}
	for _, r := range s.ranges {
		if code >= r[0] && code <= r[1] {
			return true
		}
	}
	return false
}

// validFieldName reports whether s is a header name as RFC 9110 has it: a
// token. net/http refuses to send any other; the wire path would send it
// as it is.
func validFieldName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return true
}

// validFieldValue reports whether s can be a header value: no control
// character but a tab. A CR would end the header line early on the wire.
func validFieldValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}
