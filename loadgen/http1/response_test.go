package http1

import (
	"bufio"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/strain-dev/strain/loadgen"
)

// readResponse frames responses straight from bytes, with a buffer small
// enough that lines outgrow it.
func TestReadResponse(t *testing.T) {
	long := strings.Repeat("v", 100)
	tests := []struct {
		name  string
		in    string
		head  bool
		want  response
		err   error // matched with errors.Is; nil: no error
		after string
	}{
		{name: "length", in: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloNEXT", want: response{status: 200, body: 5, started: true}, after: "NEXT"},
		{name: "chunked", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2 ; x\r\nde\r\n0\r\nT: 1\r\n\r\nNEXT", want: response{status: 200, body: 5, started: true}, after: "NEXT"},
		{name: "chunked wins over length", in: "HTTP/1.1 200 OK\r\nContent-Length: 99\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n\r\n", want: response{status: 200, body: 1, started: true}},
		{name: "to EOF", in: "HTTP/1.1 500 Oops\r\n\r\n0123456789", want: response{status: 500, body: 10, close: true, started: true}},
		{name: "101 switches", in: "HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\nraw", want: response{status: 101, close: true, started: true}, after: "raw"},
		{name: "HTTP/0.9 closes", in: "HTTP/0.9 200 OK\r\nContent-Length: 0\r\n\r\n", want: response{status: 200, close: true, started: true}},
		{name: "HTTP/1.0 is never chunked", in: "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n", want: response{status: 200, body: 6, close: true, started: true}},
		{name: "HEAD", in: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nNEXT", head: true, want: response{status: 200, started: true}, after: "NEXT"},
		{name: "long header skipped", in: "HTTP/1.1 200 OK\r\nX-Long: " + long + "\r\nContent-Length: 1\r\n\r\nx", want: response{status: 200, body: 1, started: true}},
		{name: "long framing header", in: "HTTP/1.1 200 OK\r\nConnection: " + long + "\r\n\r\n", want: response{status: 200, started: true}, err: errHeaderTooLong},
		{name: "long status line", in: "HTTP/1.1 200 " + long + "\r\n\r\n", want: response{started: true}, err: errHeaderTooLong},
		{name: "huge chunk size", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1000000000000000\r\n", want: response{status: 200, started: true}, err: errChunked},
		{name: "huge length", in: "HTTP/1.1 200 OK\r\nContent-Length: 1000000000000000000000\r\n\r\n", want: response{status: 200, started: true}, err: errLength},
		{name: "two transfer-encodings", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", want: response{status: 200, started: true}, err: errEncoding},
		{name: "same length twice", in: "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx", want: response{status: 200, body: 1, started: true}},
		{name: "nothing", in: "", err: io.EOF},
		{name: "cut in the body", in: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel", want: response{status: 200, body: 3, started: true}, err: io.ErrUnexpectedEOF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			br := bufio.NewReaderSize(strings.NewReader(tt.in), 48)
			got, err := readResponse(br, tt.head, loadgen.DefaultMaxBody)
			if got != tt.want || !errors.Is(err, tt.err) || (tt.err == nil && err != nil) {
				t.Errorf("got %+v, %v; want %+v, %v", got, err, tt.want, tt.err)
			}
			if rest, _ := io.ReadAll(br); err == nil && string(rest) != tt.after {
				t.Errorf("left %q unread, want %q", rest, tt.after)
			}
		})
	}
}

// The headers' budget bounds what a server can make the wire path read
// before a body, 1xx responses included.
func TestReadResponseHeaderBudget(t *testing.T) {
	interim := "HTTP/1.1 103 Early Hints\r\nLink: " + strings.Repeat("x", 1000) + "\r\n\r\n"
	in := strings.Repeat(interim, maxHeaderBytes/len(interim)+1) + "HTTP/1.1 200 OK\r\n\r\n"
	_, err := readResponse(bufio.NewReader(strings.NewReader(in)), false, loadgen.DefaultMaxBody)
	if !errors.Is(err, errHeaderTooLong) {
		t.Errorf("error = %v, want %v", err, errHeaderTooLong)
	}
	if loadgen.Classify(err) != loadgen.KindProtocol {
		t.Errorf("loadgen.Classify(%v) = %v, want protocol", err, loadgen.Classify(err))
	}
}

// Chunk-size lines do not count against the headers' budget: a long
// stream of small chunks is a body, not a header.
func TestReadChunkedSpendsNoBudgetOnSizes(t *testing.T) {
	in := strings.Repeat("1\r\na\r\n", 100) + "0\r\n\r\n"
	var n int64
	budget := 10
	if err := readChunked(bufio.NewReader(strings.NewReader(in)), &n, loadgen.DefaultMaxBody, &budget); err != nil || n != 100 {
		t.Errorf("read %d bytes, %v; want 100, nil", n, err)
	}
}

func TestParseStatusLine(t *testing.T) {
	tests := []struct {
		line                 string
		major, minor, status int
		ok                   bool
	}{
		{"HTTP/1.1 200 OK", 1, 1, 200, true},
		{"HTTP/1.0 404 Not Found", 1, 0, 404, true},
		{"HTTP/1.1 999", 1, 1, 999, true},
		{"HTTP/1.1   204 spaced", 1, 1, 204, true},
		{"HTTP/2.0 200 OK", 2, 0, 200, true},
		{"HTTP/1.1 20", 0, 0, 0, false},
		{"HTTP/1.1 2000", 0, 0, 0, false},
		{"HTTP/1.1 2x0 OK", 0, 0, 0, false},
		{"HTTP/11 200 OK", 0, 0, 0, false},
		{"http/1.1 200 OK", 0, 0, 0, false},
		{"HTTP/1.1\t200 OK", 0, 0, 0, false},
	}
	for _, tt := range tests {
		major, minor, status, err := parseStatusLine([]byte(tt.line))
		if (err == nil) != tt.ok || (tt.ok && (major != tt.major || minor != tt.minor || status != tt.status)) {
			t.Errorf("parseStatusLine(%q) = %d, %d, %d, %v", tt.line, major, minor, status, err)
		}
	}
}
