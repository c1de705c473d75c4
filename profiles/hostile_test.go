package profiles

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"testing"
)

// gzipBomb is a gzip of n MiB of zeros, about a KiB per MiB: as many
// copies of a gzipped MiB as asked, one after the other, which gzip
// readers (pprof's, strain's) read as one stream.
func gzipBomb(t testing.TB, n int) []byte {
	t.Helper()
	var one bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&one, gzip.BestCompression)
	if _, err := zw.Write(make([]byte, 1<<20)); err != nil {
		t.Fatal(err)
	}
	zw.Close()
	return bytes.Repeat(one.Bytes(), n)
}

// serve serves h on loopback for the test.
func serve(t *testing.T, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

// A watched /debug/pprof/heap that is a 400 KB gzip of 400 MB once took
// strain to 919 MB: the capture now fails, saying why, having read no more
// than the cap out of it.
func TestCaptureOfAGzipBombFails(t *testing.T) {
	bomb := gzipBomb(t, 400)
	t.Logf("serving a %d KiB gzip of 400 MiB", len(bomb)>>10)
	base := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Write(bomb)
	}))
	c := open(t, Config{})
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	cp := one(t, c, Request{Target: "api", URL: base, Kinds: []Kind{Heap}})
	runtime.ReadMemStats(&after)
	if cp.Err == nil || !strings.Contains(cp.Err.Error(), "decompresses to over 64 MiB") {
		t.Fatalf("capture of a gzip bomb: got %s, want an error saying it decompresses to over 64 MiB", outcome(cp))
	}
	t.Logf("error: %v", cp.Err)
	// The cap's own cost: 64 MiB read out, in a buffer that doubles up to
	// it: 128 MiB in all.
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("allocated %d MiB", alloc>>20)
	if alloc > 200<<20 {
		t.Errorf("the capture allocated %d MiB; want under 200 MiB", alloc>>20)
	}
	if got := files(t, c.Dir()); len(got) != 0 {
		t.Errorf("files written: %v", got)
	}
}

// A heap profile without end is read no further than a profile strain
// would parse, with a byte cap far above it.
func TestCaptureOfAnEndlessProfileFails(t *testing.T) {
	base := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		chunk := make([]byte, 1<<20)
		for {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	c := open(t, Config{MaxBytes: 1 << 30})
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	cp := one(t, c, Request{Target: "api", URL: base, Kinds: []Kind{Heap}})
	runtime.ReadMemStats(&after)
	if cp.Err == nil || !strings.Contains(cp.Err.Error(), "profile is over 64 MiB") {
		t.Fatalf("capture of an endless profile: got %s, want an error saying it is over 64 MiB", outcome(cp))
	}
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("error: %v; %d MiB allocated", cp.Err, alloc>>20)
	// 65 MiB read, in a buffer that doubles up to it.
	if alloc > 200<<20 {
		t.Errorf("the capture allocated %d MiB; want under 200 MiB", alloc>>20)
	}
}

func TestCheckBoundsTheDecompressedProfile(t *testing.T) {
	var heap bytes.Buffer
	if err := pprof.Lookup("heap").WriteTo(&heap, 0); err != nil {
		t.Fatal(err)
	}
	var twice bytes.Buffer
	zw := gzip.NewWriter(&twice)
	zw.Write(heap.Bytes())
	zw.Close()
	tests := []struct {
		name string
		body []byte
		want string // in the error; "" for a valid profile
	}{
		{"a real heap profile", heap.Bytes(), ""},
		{"65 MiB of zeros, gzipped", gzipBomb(t, 65), "decompresses to over 64 MiB"},
		{"gzipped twice", twice.Bytes(), "gzipped twice"},
		{"not gzip inside", append([]byte{0x1f, 0x8b}, "garbage"...), "decompress profile"},
		{"65 MiB, not gzipped", make([]byte, 65<<20), "over 64 MiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := check(Heap, tt.body)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("check: %v, want a valid profile", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("check: %v, want an error with %q", err, tt.want)
			}
		})
	}
}

// A reason phrase is the target's to write: it reaches the capture's
// error, which is printed on a terminal, escaped.
func TestCaptureErrorIsPrintable(t *testing.T) {
	base := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.Close()
		writeRaw(buf, "HTTP/1.1 500 \x1b[2J\x1b]0;pwned\a\x1b[31mRED\r\nContent-Length: 22\r\nConnection: close\r\n\r\n\x1b[2Jerror\r\nforged line")
	}))
	c := open(t, Config{})
	cp := one(t, c, Request{Target: "api", URL: base, Kinds: []Kind{Heap}})
	if cp.Err == nil {
		t.Fatalf("capture: got %s, want an error", outcome(cp))
	}
	msg := cp.Err.Error()
	if strings.ContainsAny(msg, "\x1b\a\r\n") || !strings.Contains(msg, `500 \x1b[2J\x1b]0;pwned\x07\x1b[31mRED`) {
		t.Errorf("error %q: want the status line escaped, no control character", msg)
	}
}

// A profile is the target's to write, its function names too: listings
// of it print them escaped.
func TestListingsEscapeNamesFromTheProfile(t *testing.T) {
	const evil = "main.\x1b[2J\x1b]0;pwned\a\r\nforged"
	p := goroutines(sample{5, []string{evil, "main.main"}})
	tab, err := Top(p, "", 10, false)
	if err != nil {
		t.Fatal(err)
	}
	stacks, err := Stacks(p)
	if err != nil {
		t.Fatal(err)
	}
	leak, err := Compare(goroutines(), p)
	if err != nil {
		t.Fatal(err)
	}
	for name, render := range map[string]func(w *bytes.Buffer) error{
		"top":    func(w *bytes.Buffer) error { return tab.Render(w) },
		"stacks": func(w *bytes.Buffer) error { return RenderStacks(stacks, 0)(w) },
		"leak":   func(w *bytes.Buffer) error { return leak.Render(w) },
	} {
		var buf bytes.Buffer
		if err := render(&buf); err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		if strings.ContainsAny(out, "\x1b\a\r") || strings.Contains(out, "\nforged") || !strings.Contains(out, `main.\x1b[2J\x1b]0;pwned\x07\r\nforged`) {
			t.Errorf("%s: want the name escaped, got\n%s", name, out)
		}
	}
}

func writeRaw(w *bufio.ReadWriter, s string) {
	w.WriteString(s)
	w.Flush()
}

// FuzzCheck feeds bodies to the validation every captured pprof profile
// goes through, after decompression: it must never panic, and what it
// keeps must be a gzipped profile that parses again. The seeds are small:
// the fuzzer shrinks every input that finds new code, many runs each.
func FuzzCheck(f *testing.F) {
	p := goroutines(sample{3, []string{"main.worker", "main.main"}}, sample{1, []string{"main.main"}})
	var gz, raw bytes.Buffer
	if err := p.Write(&gz); err != nil {
		f.Fatal(err)
	}
	if err := p.WriteUncompressed(&raw); err != nil {
		f.Fatal(err)
	}
	f.Add(gz.Bytes())
	f.Add(raw.Bytes())
	var bomb bytes.Buffer
	zw := gzip.NewWriter(&bomb)
	zw.Write(make([]byte, 256<<10))
	zw.Close()
	f.Add(bomb.Bytes())
	f.Add([]byte("heap profile: 1: 2 [3: 4] @ heap/1048576\n1: 2 [3: 4] @ 0x1 0x2\n"))
	f.Add([]byte("goroutine profile: total 1\n1 @ 0x1\n"))
	f.Add([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff})
	f.Fuzz(func(t *testing.T, body []byte) {
		keep, _, err := check(Heap, body)
		if err != nil {
			return
		}
		if !isGzip(keep) {
			t.Fatalf("kept a body that is not gzipped")
		}
		if _, err := parse(keep); err != nil {
			t.Errorf("kept a body that does not parse again: %v", err)
		}
	})
}

// A profile file that is a small gzip of much more than strain parses is
// refused by strain profile top/diff/leaks as it is by a capture.
func TestReadBoundsAFile(t *testing.T) {
	path := t.TempDir() + "/bomb.pb.gz"
	if err := os.WriteFile(path, gzipBomb(t, 100), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Read(path); err == nil || !strings.Contains(err.Error(), "more than strain parses") {
		t.Errorf("Read = %v, want the bound named", err)
	}
}
