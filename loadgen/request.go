package loadgen

import (
	"fmt"
	"net/http"
	"os"

	"github.com/strain-dev/strain/loadgen/grpc"
)

// Request is one request to send to each of several URLs, as strain run's
// flags give it, and a targets file of more. Its errors name the flag a
// field comes from: -H for Header, --body-file for BodyFile.
type Request struct {
	Method      string   // each URL's HTTP method, e.g. GET
	Header      []string // 'Name: value' lines, as ParseHeader takes them
	Body        string   // the body, if any
	BodyFile    string   // else a file to read the body from
	TargetsFile string   // more requests, in ReadTargets' format; "" for none
	// Descriptors say where gRPC methods' types come from (Calls).
	Descriptors grpc.Descriptors
}

// Targets returns a Target for each URL, sending r, then the targets
// file's. A URL that ParseURL refuses is an error.
func (r Request) Targets(urls []string) ([]Target, error) {
	body, err := r.body()
	if err != nil {
		return nil, err
	}
	header, err := r.headers()
	if err != nil {
		return nil, err
	}
	var targets []Target
	for _, raw := range urls {
		if _, err := ParseURL(raw); err != nil {
			return nil, err
		}
		targets = append(targets, Target{Method: r.Method, URL: raw, Header: header.Clone(), Body: body})
	}
	if r.TargetsFile != "" {
		more, err := ReadTargets(r.TargetsFile)
		if err != nil {
			return nil, err
		}
		targets = append(targets, more...)
	}
	return targets, nil
}

// body is the request body: BodyFile's content if it is set, else Body's;
// nil for none.
func (r Request) body() ([]byte, error) {
	if r.BodyFile == "" {
		if r.Body == "" {
			return nil, nil
		}
		return []byte(r.Body), nil
	}
	b, err := os.ReadFile(r.BodyFile)
	if err != nil {
		return nil, fmt.Errorf("--body-file: %w", err)
	}
	return b, nil
}

// headers parses -H's lines.
func (r Request) headers() (http.Header, error) {
	h := http.Header{}
	for _, line := range r.Header {
		name, value, err := ParseHeader(line)
		if err != nil {
			return nil, fmt.Errorf("-H: %w", err)
		}
		h[name] = append(h[name], value)
	}
	return h, nil
}
