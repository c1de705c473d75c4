// Package redact hides the secrets a URL may hold (its userinfo, a token
// in its query) so that none reaches a report, a log or a terminal.
package redact

import (
	"net/url"
	"regexp"
	"strings"
)

// redacted is what a secret reads as once hidden.
const redacted = "xxxxx"

// secretParams are the words that make a query parameter's value a
// secret: a name that holds one of them, ignoring case, '-' and '_'
// (api_key, X-Amz-Signature, client_secret, refresh_token).
var secretParams = []string{"token", "key", "password", "passwd", "pwd", "secret", "signature", "auth", "credential", "session"}

// secretExact are names too short to look for inside others.
var secretExact = []string{"sig", "pw", "pass"}

// URL hides a URL's secrets, so credentials never reach a report or a
// terminal: its whole userinfo, a user name alone included
// (http://TOKEN@host/ reads http://xxxxx@host/), and the value of each
// query parameter whose name looks secret (?api_key=xxxxx). The rest of
// the URL is left as written: it is edited as text, never re-encoded.
func URL(raw string) string {
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return raw
	}
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	if at := strings.LastIndex(rest[:end], "@"); at >= 0 {
		rest = redacted + rest[at:]
	}
	q := strings.Index(rest, "?")
	if q < 0 {
		return scheme + "://" + rest
	}
	query, fragment, hasFragment := strings.Cut(rest[q+1:], "#")
	rest = rest[:q+1] + redactQuery(query)
	if hasFragment {
		rest += "#" + fragment
	}
	return scheme + "://" + rest
}

// redactQuery hides the values of a raw query's secret parameters.
func redactQuery(query string) string {
	params := strings.Split(query, "&")
	for i, p := range params {
		name, _, ok := strings.Cut(p, "=")
		if ok && secretName(name) {
			params[i] = name + "=" + redacted
		}
	}
	return strings.Join(params, "&")
}

// secretName reports whether a query parameter named name holds a secret.
func secretName(name string) bool {
	if n, err := url.QueryUnescape(name); err == nil {
		name = n
	}
	name = strings.NewReplacer("-", "", "_", "", ".", "").Replace(strings.ToLower(name))
	for _, s := range secretExact {
		if name == s {
			return true
		}
	}
	for _, s := range secretParams {
		if strings.Contains(name, s) {
			return true
		}
	}
	return false
}

// urlInText finds the URLs in a line of text, of any scheme (an error may
// quote one strain refused): one ends at a space, a quote or an angle
// bracket, as Go's errors and strain's own lines quote them.
var urlInText = regexp.MustCompile(`[a-zA-Z][a-zA-Z0-9+.-]*://[^\s"'<>` + "`" + `]+`)

// Text is text with every URL in it redacted: for lines made
// elsewhere (discovery notes, the monitor's warnings, errors) that may
// quote a URL strain holds.
func Text(text string) string {
	if !strings.Contains(text, "://") {
		return text
	}
	return urlInText.ReplaceAllStringFunc(text, func(u string) string {
		// Punctuation that ends a sentence ends the URL, not a secret's value.
		trimmed := strings.TrimRight(u, ".,;:)]")
		return URL(trimmed) + u[len(trimmed):]
	})
}
