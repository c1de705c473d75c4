package h2

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/strain-dev/strain/internal/loadtest"
	"github.com/strain-dev/strain/loadgen"
	"golang.org/x/net/http2/hpack"
)

func TestOnlyIndexed(t *testing.T) {
	var buf bytes.Buffer
	enc := hpack.NewEncoder(&buf)
	fields := []hpack.HeaderField{{Name: ":method", Value: "GET"}, {Name: ":path", Value: "/a"}, {Name: "x-which", Value: "a"}}
	encode := func() []byte {
		buf.Reset()
		for _, f := range fields {
			enc.WriteField(f)
		}
		return bytes.Clone(buf.Bytes())
	}
	first, second := encode(), encode()
	if onlyIndexed(first) {
		t.Errorf("first block % x: its literals add to the table, want false", first)
	}
	if !onlyIndexed(second) || len(second) != len(fields) {
		t.Errorf("second block % x: want true, one index a field", second)
	}
	enc.SetMaxDynamicTableSizeLimit(0)
	if update := encode(); onlyIndexed(update) {
		t.Errorf("block after a size change % x: it opens with the size update, want false", update)
	}
	for _, c := range []struct {
		block []byte
		want  bool
	}{
		{[]byte{0xff, 0x81, 0x01, 0x82}, true}, // index 127+1+128, then 2
		{[]byte{0xff, 0x81, 0x01, 0x40}, false},
		{[]byte{0x82, 0x10, 0x01, 'a', 0x01, 'b'}, false}, // never indexed
		{nil, true},
	} {
		if got := onlyIndexed(c.block); got != c.want {
			t.Errorf("onlyIndexed(% x) = %v, want %v", c.block, got, c.want)
		}
	}
}

// Targets whose header blocks change the encoder's table (their first
// requests, an authorization never indexed) between ones that are kept
// as indices: Go's server decodes every request to the target it was
// sent for, and strain's counts are the server's.
func TestH2KeptBlocksDecode(t *testing.T) {
	var mu sync.Mutex
	served := map[string]int{}
	srv, n := loadtest.H2CServer(t, func(w http.ResponseWriter, r *http.Request) {
		which := strings.TrimPrefix(r.URL.Path, "/")
		user, pass, auth := r.BasicAuth()
		ok := r.Header.Get("X-Which") == which && auth == (which == "secret") && (!auth || user == "u" && pass == "p")
		if !ok {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		mu.Lock()
		served[which]++
		mu.Unlock()
	})
	var targets []loadgen.Target
	for _, which := range []string{"a", "b", "c", "secret"} {
		u := srv.URL + "/" + which
		if which == "secret" {
			u = strings.Replace(u, "http://", "http://u:p@", 1)
		}
		targets = append(targets, loadgen.Target{URL: u, Header: http.Header{"X-Which": {which}}})
	}
	_, res := runEngine(t, context.Background(), loadgen.Config{Targets: targets, HTTP2: true, Concurrency: 8, Connections: 2, Requests: 2000})
	if res.Requests != 2000 || res.Status[200] != 2000 || n.Load() != 2000 {
		t.Errorf("requests %d, 200s %d (%v, kinds %v); the server answered %d", res.Requests, res.Status[200], res.Status, res.Kinds, n.Load())
	}
	for which, got := range served {
		if got != 500 {
			t.Errorf("the server served /%s %d times, want 500 (%v)", which, got, served)
		}
	}
}
