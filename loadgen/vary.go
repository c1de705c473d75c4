package loadgen

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/strain-dev/strain/loadgen/send"
	"github.com/strain-dev/strain/loadgen/template"
)

// errTemplateInHost is a template where the request's endpoint is chosen:
// every request of a target goes to one endpoint.
var errTemplateInHost = errors.New("a template can go in a URL's path and query, a header's value and the body; not in the scheme, user or host")

// compileTarget parses t's URL, header values and body as templates. It
// returns t with each fixed one filled in ({{env}} values), and the
// target's varying part, nil when nothing varies. A gRPC call's body is
// its message, encoded: bytes, not a template; unless the message varies
// (Target.call), when it is the message's JSON, a template.
func compileTarget(t Target, data *template.Data) (Target, *send.Varying, error) {
	v := &send.Varying{Marks: template.NewMarks(), Header: map[string][]*template.Template{}}
	opts := template.Options{Data: data, LookupEnv: os.LookupEnv}
	varies := false
	markURL, err := markURL(v, t.URL, opts, &varies)
	if err != nil {
		return t, nil, err
	}
	out := Target{Method: t.Method, URL: markURL, Header: http.Header{}, Body: t.Body, grpc: t.grpc}
	for name, values := range t.Header {
		for _, raw := range values {
			tpl, err := template.Parse(raw, template.Header, opts)
			if err != nil {
				return t, nil, fmt.Errorf("header %s: %w", name, err)
			}
			key := http.CanonicalHeaderKey(name)
			if tpl.Static() {
				out.Header[key] = append(out.Header[key], tpl.String())
				v.Header[key] = append(v.Header[key], nil)
				continue
			}
			if key == "Host" {
				return t, nil, errTemplateInHost
			}
			varies = true
			out.Header[key] = append(out.Header[key], v.Marks.Mark(tpl))
			v.Header[key] = append(v.Header[key], tpl)
		}
	}
	if !t.grpc || t.call != nil {
		if t.call != nil {
			v.Frame = t.call.AppendFrame
		}
		body, err := template.Parse(string(t.Body), template.Body, opts)
		switch {
		case err != nil:
			return t, nil, fmt.Errorf("body: %w", err)
		case !body.Static():
			v.Body, varies = body, true
		case body.String() != string(t.Body):
			out.Body = []byte(body.String())
		}
	}
	if !varies {
		out.URL = v.URL.String()
		return out, nil, nil
	}
	return out, v, nil
}

// markURL parses raw's path as a Path template and its query as a Query
// one into v.URL, and returns the URL with their fillers marked.
func markURL(v *send.Varying, raw string, opts template.Options, varies *bool) (string, error) {
	if _, err := template.Parse(raw, template.Body, opts); err != nil {
		return "", fmt.Errorf("URL: %w", err) // its position in the whole URL
	}
	path, query, hasQuery := strings.Cut(raw, "?")
	pt, err := template.Parse(path, template.Path, opts)
	if err != nil {
		return "", fmt.Errorf("URL: %w", err)
	}
	marked := v.Marks.Mark(pt)
	whole := pt.String()
	if hasQuery {
		qt, err := template.Parse(query, template.Query, opts)
		if err != nil {
			return "", fmt.Errorf("URL: %w", err)
		}
		marked += "?" + v.Marks.Mark(qt)
		whole += "?" + qt.String()
		*varies = *varies || !qt.Static()
	}
	*varies = *varies || !pt.Static()
	u, err := url.Parse(marked)
	if err != nil {
		return "", fmt.Errorf("malformed URL %q", raw)
	}
	if v.Marks.Marked(u.Scheme + u.User.String() + u.Host) {
		return "", errTemplateInHost
	}
	if v.URL, err = v.Marks.Read(marked); err != nil {
		return "", err
	}
	if !*varies {
		return whole, nil
	}
	return marked, nil
}
