package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/strain-dev/strain/internal/exitcode"
)

// A template that does not compile, a data file that cannot be read or a
// variable that is not set: one line naming the flag, exit 2, and no
// request sent.
func TestTemplateErrorsExitBeforeTheLoad(t *testing.T) {
	var mu sync.Mutex
	got := 0
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { mu.Lock(); got++; mu.Unlock() }))
	defer srv.Close()
	dir := t.TempDir()
	ragged := filepath.Join(dir, "ragged.csv")
	os.WriteFile(ragged, []byte("id,name\n1\n"), 0o600)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--body", `{"userid": {{rnd 1 2}}}`}, `strain: --body: 1:14: unknown function "rnd"`},
		{[]string{"-H", "X-Token: {{env STRAIN_SURELY_UNSET}}"}, "strain: -H X-Token: 1:3: {{env STRAIN_SURELY_UNSET}}: the variable is not set"},
		{[]string{"--data-file", ragged}, "strain: --data-file: data file " + ragged},
		{[]string{"--data-order", "shuffled"}, `strain: --data-order "shuffled": want sequential or random`},
		{[]string{"--body", "{{row.id}}"}, "no data file (--data-file)"},
		{[]string{"--body", "{{randstr 2000000}}"}, "randstr 2000000: want a length from 1 to 1048576"},
	} {
		args := append([]string{"run", srv.URL + "/", "-n", "5", "--no-tui"}, tc.args...)
		code, _, stderr := cli(t, context.Background(), args...)
		if code != exitcode.Usage || !strings.Contains(stderr, tc.want) || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and one line with %q", tc.args, code, stderr, exitcode.Usage, tc.want)
		}
	}
	if got != 0 {
		t.Errorf("the server got %d requests from runs that should not have started", got)
	}
}

// --data-file through the command line: one worker takes the rows in turn,
// row after row, into the path.
func TestDataFileRowsInTurn(t *testing.T) {
	var mu sync.Mutex
	var paths []string
	srv := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		mu.Lock()
		paths = append(paths, r.URL.Path)
		mu.Unlock()
	}))
	defer srv.Close()
	data := filepath.Join(t.TempDir(), "users.jsonl")
	os.WriteFile(data, []byte(`{"id": "a"}`+"\n"+`{"id": "b b"}`+"\n"+`{"id": 3}`+"\n"), 0o600)
	code, _, stderr := cli(t, context.Background(), "run", srv.URL+"/u/{{row.id}}", "-n", "7", "-c", "1", "--no-tui", "--data-file", data)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	mu.Lock()
	defer mu.Unlock()
	if got, want := strings.Join(paths, " "), "/u/a /u/b b /u/3 /u/a /u/b b /u/3 /u/a"; got != want {
		t.Errorf("paths %q, want %q", got, want)
	}
}
