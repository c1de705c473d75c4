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
)

// Credentials in headers or URLs reach the target and nothing else: no
// report, no file, no line on the terminal.
func TestCredentialsNeverLeak(t *testing.T) {
	var mu sync.Mutex // the handler runs on the server's goroutines
	var got string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = r.Header.Get("Authorization") + " " + r.Header.Get("Cookie")
		mu.Unlock()
	}))
	defer srv.Close()
	const token, cookie, password = "Bearer s3cr3t-token", "session=c00kie-value", "hunter2pass"
	dir := t.TempDir()
	u := strings.Replace(srv.URL, "http://", "http://user:"+password+"@", 1) + "/x"
	args := []string{"run", u, "-n", "20", "-H", "Authorization: " + token, "-H", "Cookie: " + cookie,
		"--gate", "latency.p99 < 10s", "--alert", "requests > 0"}
	for _, f := range []string{"-o", "--junit", "--markdown", "--html"} {
		args = append(args, f, filepath.Join(dir, strings.TrimLeft(f, "-")))
	}
	code, stdout, stderr := cli(t, context.Background(), args...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	mu.Lock()
	defer mu.Unlock()
	if !strings.Contains(got, "s3cr3t-token") || !strings.Contains(got, "c00kie-value") {
		t.Fatalf("the target did not get the credentials: %q", got)
	}
	outputs := map[string]string{"stdout": stdout, "stderr": stderr}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		b, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		outputs[e.Name()] = string(b)
	}
	for name, text := range outputs {
		for _, secret := range []string{"s3cr3t-token", "c00kie-value", password} {
			if strings.Contains(text, secret) {
				t.Errorf("%s contains %q", name, secret)
			}
		}
	}
}
