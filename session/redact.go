package session

import "net/url"

// Redact hides a URL's password, so credentials never reach a report.
func Redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	return u.Redacted()
}
