package loadgen

import (
	"fmt"
	"net/http"
	"os"

	"github.com/strain-dev/strain/loadgen/grpc"
	"github.com/strain-dev/strain/loadgen/template"
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
	DataFile    string // rows for {{row.FIELD}}: CSV or JSON Lines (template.ReadData); "" for none
	DataOrder   string // "sequential" (the default) or "random"
	// Data is the data file's rows, as ReadData read them, for
	// {{row.FIELD}} (Config.Data).
	Data *template.Data
}

// ReadData reads r's data file in r's order; nil when there is none. Its
// errors name the flags.
func (r Request) ReadData() (*template.Data, error) {
	order, err := template.ParseOrder(r.DataOrder)
	if err != nil {
		return nil, fmt.Errorf("--data-order %w", err)
	}
	if r.DataFile == "" {
		if r.DataOrder != "" {
			return nil, fmt.Errorf("--data-order: no --data-file to take rows from")
		}
		return nil, nil
	}
	d, err := template.ReadData(r.DataFile, order)
	if err != nil {
		return nil, fmt.Errorf("--data-file: %w", err)
	}
	return d, nil
}

// Targets returns a Target for each URL, sending r, then the targets
// file's. A URL that ParseURL refuses is an error, and so is a template
// (in a URL, a header value, the body or the targets file) that does not
// compile: its error names the flag and the position.
func (r Request) Targets(urls []string) ([]Target, error) {
	body, header, _, err := r.parts()
	if err != nil {
		return nil, err
	}
	var targets []Target
	for _, raw := range urls {
		if _, _, err := compileTarget(Target{URL: raw}, r.Data); err != nil {
			return nil, fmt.Errorf("%s: %w", raw, err)
		}
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
		for _, t := range more {
			if _, _, err := compileTarget(t, r.Data); err != nil {
				return nil, fmt.Errorf("targets file %s: %s %s: %w", r.TargetsFile, t.Method, t.URL, err)
			}
		}
		targets = append(targets, more...)
	}
	return targets, nil
}

// parts are r's body and header values, read, with their templates
// compiled so that an error names its flag; and the body's template.
func (r Request) parts() ([]byte, http.Header, *template.Template, error) {
	body, err := r.body()
	if err != nil {
		return nil, nil, nil, err
	}
	header, err := r.headers()
	if err != nil {
		return nil, nil, nil, err
	}
	tpl, err := r.check(body, header)
	return body, header, tpl, err
}

// check compiles the templates of r's body and header values, so that
// an error names its flag, and returns the body's.
func (r Request) check(body []byte, header http.Header) (*template.Template, error) {
	opts := template.Options{Data: r.Data, LookupEnv: os.LookupEnv}
	tpl, err := template.Parse(string(body), template.Body, opts)
	if err != nil {
		flag := "--body"
		if r.BodyFile != "" {
			flag = "--body-file " + r.BodyFile
		}
		return nil, fmt.Errorf("%s: %w", flag, err)
	}
	for name, values := range header {
		for _, value := range values {
			if _, err := template.Parse(value, template.Header, opts); err != nil {
				return nil, fmt.Errorf("-H %s: %w", name, err) // the name alone: a value may be a secret
			}
		}
	}
	return tpl, nil
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
