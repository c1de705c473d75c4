package http1

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"math"

	"github.com/strain-dev/strain/loadgen/send"
)

// maxHeaderBytes bounds a response's status line and headers, 1xx
// responses included, as net/http's default MaxResponseHeaderBytes does.
const maxHeaderBytes = 10 << 20

// The wire path's framing errors: responses it cannot frame, not HTTP/1.x
// as RFC 9112 has it. They are values, so failing allocates
// nothing either.
var (
	errStatusLine    = &send.ProtocolError{What: "bad status line"}
	errHeaderLine    = &send.ProtocolError{What: "bad header line"}
	errHeaderTooLong = &send.ProtocolError{What: "headers too long"}
	errLength        = &send.ProtocolError{What: "bad Content-Length"}
	errEncoding      = &send.ProtocolError{What: "unsupported Transfer-Encoding"}
	errChunked       = &send.ProtocolError{What: "malformed chunked encoding"}
)

// response is what the wire path keeps of one response.
type response struct {
	status int
	body   int64 // body bytes read
	// close means the connection cannot carry another request: the server
	// said so, spoke HTTP/1.0 without keep-alive, delimited the body by
	// closing, or switched protocols.
	close bool
	// started is set once any byte of the response has arrived; a kept-alive
	// connection that fails before that was closed by the server while idle.
	started bool
}

// framing is how a response's body ends, from its headers.
type framing struct {
	length    int64 // Content-Length, or -1
	chunked   bool
	close     bool // Connection: close
	keepAlive bool // Connection: keep-alive, which HTTP/1.0 needs to stay open
}

// readResponse reads one response to the request just sent, body and all,
// skipping 1xx interim responses. head is set for a HEAD request, whose
// response has no body. A body longer than maxBody is read only to one
// byte past it (send.ErrBodyTooLarge); one whose Content-Length says so is not
// read at all. On error, resp still holds what was read.
func readResponse(br *bufio.Reader, head bool, maxBody int64) (resp response, err error) {
	budget := maxHeaderBytes
	for {
		f, err := readHead(br, &resp, &budget)
		if err != nil {
			return resp, err
		}
		if resp.status >= 100 && resp.status <= 199 && resp.status != 101 {
			continue // an interim response; the final one follows
		}
		resp.close = f.close
		switch {
		case resp.status == 101:
			resp.close = true // the connection speaks another protocol now
		case head || resp.status == 204 || resp.status == 304:
		case f.chunked:
			err = readChunked(br, &resp.body, maxBody, &budget)
		case f.length > maxBody:
			err = send.ErrBodyTooLarge
		case f.length >= 0:
			err = discard(br, f.length, &resp.body)
		default:
			resp.close = true
			err = readToEOF(br, &resp.body, maxBody)
		}
		return resp, err
	}
}

// readHead reads a status line and its headers. f.close is set when the
// connection is not to be kept: the server said so, or spoke HTTP/1.0 (or
// older) without asking for keep-alive, as net/http judges.
func readHead(br *bufio.Reader, resp *response, budget *int) (f framing, err error) {
	line, err := readLine(br, budget)
	resp.started = resp.started || len(line) > 0
	if err != nil {
		return f, err
	}
	major, minor, status, err := parseStatusLine(line)
	if err != nil {
		return f, err
	}
	resp.status, f.length = status, -1
	if err := readHeaders(br, budget, &f); err != nil {
		return f, err
	}
	if major < 1 || (major == 1 && minor == 0) {
		// HTTP/1.0 has no chunked encoding; net/http ignores the header.
		f.chunked = false
		f.close = f.close || !f.keepAlive
	}
	return f, nil
}

// parseStatusLine parses "HTTP/x.y NNN reason". Like net/http it takes
// any one-digit version, any three digits as the code, and spaces before
// the code.
func parseStatusLine(line []byte) (major, minor, status int, err error) {
	if len(line) < len("HTTP/1.1 200") || string(line[:5]) != "HTTP/" || !isDigit(line[5]) ||
		line[6] != '.' || !isDigit(line[7]) || line[8] != ' ' {
		return 0, 0, 0, errStatusLine
	}
	rest := bytes.TrimLeft(line[9:], " ")
	if len(rest) < 3 || (len(rest) > 3 && rest[3] != ' ') {
		return 0, 0, 0, errStatusLine
	}
	for _, c := range rest[:3] {
		if !isDigit(c) {
			return 0, 0, 0, errStatusLine
		}
		status = status*10 + int(c-'0')
	}
	return int(line[5] - '0'), int(line[7] - '0'), status, nil
}

// add takes in one header line; only the headers that frame the body, or
// say whether the connection stays open, are looked at.
func (f *framing) add(line []byte) error {
	if line[0] == ' ' || line[0] == '\t' {
		return nil // obsolete line folding of a header we do not read
	}
	colon := bytes.IndexByte(line, ':')
	if colon <= 0 {
		return errHeaderLine
	}
	name := line[:colon]
	switch {
	case equalFold(name, "content-length"):
		n, ok := parseLength(trimSpace(line[colon+1:]))
		if !ok || (f.length >= 0 && f.length != n) {
			return errLength
		}
		f.length = n
	case equalFold(name, "transfer-encoding"):
		if f.chunked || !equalFold(trimSpace(line[colon+1:]), "chunked") {
			return errEncoding
		}
		f.chunked = true
	case equalFold(name, "connection"):
		value := line[colon+1:]
		f.close = f.close || hasTokenBytes(value, "close")
		f.keepAlive = f.keepAlive || hasTokenBytes(value, "keep-alive")
	}
	return nil
}

// readChunked reads a chunked body and its trailers, counting the data,
// up to one byte past maxBody. The trailers count against the headers'
// budget; the chunk-size lines do not, or a long stream of small chunks
// would run it out.
func readChunked(br *bufio.Reader, n *int64, maxBody int64, budget *int) error {
	for {
		lineBudget := wireBufSize
		line, err := readLine(br, &lineBudget)
		if err != nil {
			return unexpected(err)
		}
		size, ok := parseChunkSize(line)
		if !ok {
			return errChunked
		}
		if size == 0 {
			return readHeaders(br, budget, nil) // the trailers
		}
		if left := maxBody - *n; size > left {
			if err := discard(br, left+1, n); err != nil {
				return err
			}
			return send.ErrBodyTooLarge
		}
		if err := discard(br, size, n); err != nil {
			return err
		}
		crlf, err := br.Peek(2)
		if err != nil {
			return unexpected(err)
		}
		if crlf[0] != '\r' || crlf[1] != '\n' {
			return errChunked
		}
		br.Discard(2)
	}
}

// parseChunkSize parses a chunk-size line: hex digits, then optional
// extensions after ';', which are ignored.
func parseChunkSize(line []byte) (int64, bool) {
	if i := bytes.IndexByte(line, ';'); i >= 0 {
		line = line[:i]
	}
	line = trimSpace(line)
	if len(line) == 0 || len(line) > 15 { // 15 hex digits cannot overflow an int64
		return 0, false
	}
	var n int64
	for _, c := range line {
		var d byte
		switch {
		case isDigit(c):
			d = c - '0'
		case c >= 'a' && c <= 'f':
			d = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			d = c - 'A' + 10
		default:
			return 0, false
		}
		n = n<<4 | int64(d)
	}
	return n, true
}

// parseLength parses a Content-Length value: decimal digits, at most 18 so
// that it cannot overflow.
func parseLength(v []byte) (int64, bool) {
	if len(v) == 0 || len(v) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range v {
		if !isDigit(c) {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// discard skips a body of length bytes, counting what it read. A body cut
// short is io.ErrUnexpectedEOF, as net/http reports it.
func discard(br *bufio.Reader, length int64, n *int64) error {
	for length > 0 {
		d, err := br.Discard(int(min(length, math.MaxInt32)))
		*n += int64(d)
		length -= int64(d)
		if err != nil {
			return unexpected(err)
		}
	}
	return nil
}

// readToEOF reads a body that the server ends by closing the connection,
// up to one byte past maxBody.
func readToEOF(br *bufio.Reader, n *int64, maxBody int64) error {
	for {
		d, err := br.Discard(int(min(maxBody-*n, math.MaxInt32-1) + 1))
		*n += int64(d)
		if *n > maxBody {
			return send.ErrBodyTooLarge
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// readLine reads one line and returns it without its line ending (CRLF,
// or a bare LF as net/http also accepts). A line longer than the buffer
// is a protocol error: no status or chunk-size line is that long.
func readLine(br *bufio.Reader, budget *int) ([]byte, error) {
	line, err := br.ReadSlice('\n')
	*budget -= len(line)
	switch {
	case err == bufio.ErrBufferFull:
		return line, errHeaderTooLong
	case err != nil:
		return line, err
	case *budget < 0:
		return line, errHeaderTooLong
	}
	line = line[:len(line)-1]
	if len(line) > 0 && line[len(line)-1] == '\r' {
		line = line[:len(line)-1]
	}
	return line, nil
}

// readHeaders reads header lines up to the blank line that ends them and
// hands each to f, if f is not nil. Real servers do send header lines
// longer than the buffer (cookies, policies): such a line is skipped,
// unless it is one that f would read.
func readHeaders(br *bufio.Reader, budget *int, f *framing) error {
	for {
		line, err := readLine(br, budget)
		if err == errHeaderTooLong && *budget >= 0 && !framingHeader(line) {
			if err = skipLine(br, budget); err == nil {
				continue
			}
		}
		switch {
		case err != nil:
			return unexpected(err)
		case len(line) == 0:
			return nil
		case f != nil:
			if err := f.add(line); err != nil {
				return err
			}
		}
	}
}

// skipLine reads on to the end of a line longer than the buffer.
func skipLine(br *bufio.Reader, budget *int) error {
	for {
		_, err := readLine(br, budget)
		if err != errHeaderTooLong || *budget < 0 {
			return err
		}
	}
}

// framingHeader reports whether a header line is one that add reads.
func framingHeader(line []byte) bool {
	name, _, _ := bytes.Cut(line, []byte(":"))
	return equalFold(name, "content-length") || equalFold(name, "transfer-encoding") || equalFold(name, "connection")
}

// unexpected turns an EOF in the middle of a response into
// io.ErrUnexpectedEOF, as net/http does.
func unexpected(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// hasTokenBytes reports whether a comma-separated header value lists
// token, in any case.
func hasTokenBytes(v []byte, token string) bool {
	for len(v) > 0 {
		var part []byte
		part, v, _ = bytes.Cut(v, []byte(","))
		if equalFold(trimSpace(part), token) {
			return true
		}
	}
	return false
}

// equalFold is bytes.EqualFold for an ASCII lower-case token, without the
// conversion to []byte that would allocate.
func equalFold(b []byte, lower string) bool {
	if len(b) != len(lower) {
		return false
	}
	for i := range len(b) {
		c := b[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// trimSpace trims the spaces and tabs that HTTP allows around values.
func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
