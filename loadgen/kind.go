package loadgen

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/strain-dev/strain/loadgen/send"
)

// Kind is why a request failed. A failure is a measurement, counted by kind.
type Kind uint8

// The kinds of failure, in the order reports list them.
const (
	KindNone         Kind = iota // the request succeeded
	KindTimeout                  // the per-request timeout elapsed
	KindRefused                  // the connection was refused
	KindReset                    // the peer reset or broke the connection
	KindEOF                      // the peer closed the connection before a response
	KindDNS                      // the host name did not resolve
	KindTLS                      // the TLS handshake or certificate failed
	KindProtocol                 // the response was not valid HTTP
	KindHTTP4xx                  // a 4xx status not accepted by --ok-status
	KindHTTP5xx                  // a 5xx status not accepted by --ok-status
	KindStatus                   // any other status not accepted by --ok-status
	KindBodyTooLarge             // the response body exceeded Config.MaxBody
	KindFDLimit                  // strain had no file descriptor left for a connection
	KindOther                    // anything else
	KindGRPCStatus               // a gRPC status not accepted by --ok-status
	numKinds
)

var kindNames = [numKinds]string{"ok", "timeout", "refused", "reset", "eof", "dns", "tls", "protocol", "http_4xx", "http_5xx", "http_status", "body_too_large", "fd_limit", "other", "grpc_status"}

// String is the kind's name in reports and metrics.
func (k Kind) String() string {
	if k >= numKinds {
		return "other"
	}
	return kindNames[k]
}

// Classify names the kind of a transport error. A nil error is KindNone.
func Classify(err error) Kind {
	if err == nil {
		return KindNone
	}
	var dnsErr *net.DNSError
	var certErr *tls.CertificateVerificationError
	var recErr tls.RecordHeaderError
	var alertErr tls.AlertError
	var unknownAuth x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalidErr x509.CertificateInvalidError
	var protoErr *send.ProtocolError
	switch {
	case errors.Is(err, send.ErrBodyTooLarge):
		return KindBodyTooLarge
	case errors.Is(err, syscall.EMFILE), errors.Is(err, syscall.ENFILE):
		return KindFDLimit
	case errors.Is(err, context.DeadlineExceeded), send.IsTimeout(err):
		return KindTimeout
	case errors.As(err, &dnsErr):
		return KindDNS
	case errors.Is(err, syscall.ECONNREFUSED):
		return KindRefused
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE), errors.Is(err, syscall.ECONNABORTED):
		return KindReset
	case errors.As(err, &certErr), errors.As(err, &recErr), errors.As(err, &alertErr),
		errors.As(err, &unknownAuth), errors.As(err, &hostErr), errors.As(err, &invalidErr):
		return KindTLS
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), closedIdle(err):
		return KindEOF
	case errors.As(err, &protoErr), isProtocol(err):
		return KindProtocol
	}
	return KindOther
}

// StatusKind is the kind of a response status that the OK set rejects.
func StatusKind(code int) Kind {
	switch {
	case code >= 400 && code < 500:
		return KindHTTP4xx
	case code >= 500 && code < 600:
		return KindHTTP5xx
	}
	return KindStatus
}

// closedIdle recognises net/http's error for a request it had begun on a
// kept-alive connection that the server had closed, and did not send
// again (not replayable): the wire path counts that as KindEOF, and so
// does net/http's.
func closedIdle(err error) bool {
	return strings.Contains(err.Error(), "server closed idle connection")
}

// isProtocol recognises net/http's parse failures, which carry no type: of
// the status line, headers, framing headers and chunked encoding, and
// headers past MaxResponseHeaderBytes (the wire path reports each of these
// as a send.ProtocolError).
func isProtocol(err error) bool {
	msg := err.Error()
	for _, s := range []string{"malformed HTTP", "bad status", "malformed chunked", "invalid header", "malformed MIME header",
		"Content-Length", "transfer encoding", "chunk length", "header line too long", "response headers exceeded",
		"http2: ", "server sent GOAWAY", "stream error"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}
