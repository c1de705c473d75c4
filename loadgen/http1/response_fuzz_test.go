package http1

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/strain-dev/strain/loadgen"
	"github.com/strain-dev/strain/loadgen/send"
)

// FuzzResponse: whatever a server sends, readResponse frames one response
// or fails with an error Classify counts, never panics, never counts more
// body than it read or than one byte past the cap, and never reports a
// status it was not sent.
func FuzzResponse(f *testing.F) {
	for _, s := range []string{
		"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\nTrailer: 1\r\n\r\n",
		"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\nDate: Mon, 01 Jan 2024 00:00:00 GMT\r\n\r\n",
		"HTTP/1.0 500 Internal Server Error\r\nConnection: keep-alive\r\n\r\noops",
		"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n",
		"HTTP/1.1 304 Not Modified\nETag: \"x\"\n\n",
		"HTTP/1.1 200 OK\r\nX-Long: " + string(bytes.Repeat([]byte("v"), 80)) + "\r\n folded\r\nConnection: close\r\n\r\n",
	} {
		f.Add([]byte(s), false)
	}
	f.Add([]byte("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"), true)
	const maxBody = 64
	f.Fuzz(func(t *testing.T, in []byte, head bool) {
		src := bytes.NewReader(in)
		// A small buffer, so that lines outgrow it as real ones outgrow
		// the wire path's.
		br := bufio.NewReaderSize(src, 32)
		resp, err := readResponse(br, head, maxBody)
		read := int64(len(in)) - int64(src.Len()) - int64(br.Buffered())
		if resp.body < 0 || resp.body > read || resp.body > maxBody+1 {
			t.Fatalf("body %d bytes, of %d read, cap %d", resp.body, read, maxBody)
		}
		if resp.body > maxBody && !errors.Is(err, send.ErrBodyTooLarge) {
			t.Fatalf("body %d bytes past the cap %d, error %v", resp.body, maxBody, err)
		}
		if resp.status != 0 && !bytes.Contains(in, []byte{byte('0' + resp.status/100), byte('0' + resp.status/10%10), byte('0' + resp.status%10)}) {
			t.Fatalf("status %d, not in the response", resp.status)
		}
		if resp.started && read == 0 {
			t.Fatal("started, with nothing read")
		}
		switch {
		case err == nil:
			// Any three digits are a status, as net/http takes them; a 1xx
			// other than 101 is interim and never the answer.
			if resp.status > 999 || resp.status >= 100 && resp.status < 200 && resp.status != 101 {
				t.Fatalf("no error, status %d", resp.status)
			}
		case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, send.ErrBodyTooLarge):
		default:
			if k := loadgen.Classify(err); k != loadgen.KindProtocol {
				t.Fatalf("error %v is counted as %v, want protocol", err, k)
			}
		}
	})
}
