package send

import (
	"errors"
	"net"
	"net/url"
)

// ErrBodyTooLarge ends a response whose body runs past Options.MaxBody.
var ErrBodyTooLarge = errors.New("response body larger than the cap")

// ProtocolError is a response that is not valid HTTP (or not valid in the
// protocol carried on it), as a transport read it.
type ProtocolError struct{ What string }

func (e *ProtocolError) Error() string { return "malformed HTTP response: " + e.What }

// IsTimeout reports whether err is a net.Error that timed out.
func IsTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// HostPort is the host:port u connects to, with the scheme's default port.
func HostPort(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	return net.JoinHostPort(u.Hostname(), port)
}
