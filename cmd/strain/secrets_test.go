package main

import (
	"context"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/strain-dev/strain/internal/exitcode"
)

// Credentials in headers or URLs reach the target and nothing else: no
// report, no file, no line on the terminal, no Prometheus label. Every
// URL strain holds is covered: the load's (arguments and a targets file),
// the watched targets' (discovered, and a prom: source that fails), and
// the webhook's (which fails too, and says so); and a header's {{env}}
// value.
func TestCredentialsNeverLeak(t *testing.T) {
	t.Setenv("STRAIN_TEST_ENV_SECRET", "3nv-secret")
	var mu sync.Mutex // the handler runs on the server's goroutines
	var gotHeaders, gotKey bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		gotHeaders = gotHeaders || r.Header.Get("Authorization") == "Bearer s3cr3t-token" && strings.Contains(r.Header.Get("Cookie"), "c00kie-value") && r.Header.Get("X-Env") == "3nv-secret"
		gotKey = gotKey || r.URL.Query().Get("api_key") == "apik3y-value"
	}))
	defer srv.Close()
	_, demo := demoTarget(t)
	const token, cookie, password = "Bearer s3cr3t-token", "session=c00kie-value", "hunter2pass"
	secrets := []string{"s3cr3t-token", "c00kie-value", password, "us3ronly-token", "apik3y-value", "f1le-token",
		"f1le-secret", "w4tch-token", "pr0m-password", "h00k-password", "3nv-secret"}
	host := strings.TrimPrefix(srv.URL, "http://")
	dir, private := t.TempDir(), t.TempDir()
	targets := filepath.Join(private, "targets.txt")
	os.WriteFile(targets, []byte("GET http://f1le-token@"+host+"/f?token=f1le-secret\n"), 0o644)
	listen := closedAddr(t)
	args := []string{"run", "http://user:" + password + "@" + host + "/x", "http://us3ronly-token@" + host + "/y?api_key=apik3y-value&page=2",
		"-f", targets, "-r", "50", "-d", "3s", "-H", "Authorization: " + token, "-H", "Cookie: " + cookie, "-H", "X-Env: {{env STRAIN_TEST_ENV_SECRET}}",
		"--watch", "api=http://w4tch-token@" + strings.TrimPrefix(demo, "http://"),
		"--watch", "prom:http://prom:pr0m-password@" + closedAddr(t) + "/metrics",
		"--alert-webhook", "http://hook:h00k-password@" + closedAddr(t) + "/hook",
		"--alert", "requests > 0", "--alert", "target[api].goroutines > 0 capture goroutine",
		"--gate", "latency.p99 < 10s", "--profiles", filepath.Join(dir, "profiles"), "--listen", listen}
	for _, f := range []string{"-o", "--junit", "--markdown", "--html"} {
		args = append(args, f, filepath.Join(dir, strings.TrimLeft(f, "-")))
	}
	scraped := scrapeWhile(t, "http://"+listen+"/metrics")
	code, stdout, stderr := cli(t, context.Background(), args...)
	metrics := scraped()
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	mu.Lock()
	defer mu.Unlock()
	if !gotHeaders || !gotKey {
		t.Fatalf("the target did not get the credentials: headers %v, api_key %v", gotHeaders, gotKey)
	}
	outputs := map[string]string{"stdout": stdout, "stderr": stderr, "the Prometheus export": metrics}
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := os.ReadFile(path)
			outputs[path] = string(b)
		}
		return nil
	})
	for name, text := range outputs {
		for _, secret := range secrets {
			if strings.Contains(text, secret) {
				t.Errorf("%s contains %q", name, secret)
			}
		}
	}
	// What was redacted is still there to read.
	rep := readReport(t, filepath.Join(dir, "o"))
	for _, want := range []string{"GET http://xxxxx@" + host + "/x", "GET http://xxxxx@" + host + "/y?api_key=xxxxx&page=2", "GET http://xxxxx@" + host + "/f?token=xxxxx"} {
		if !strings.Contains(strings.Join(rep.Load.Targets, "\n"), want) {
			t.Errorf("load.targets %q lacks %q", rep.Load.Targets, want)
		}
	}
	for _, want := range []string{"alert webhook http://xxxxx@", "scrape http://xxxxx@"} {
		if !strings.Contains(strings.Join(rep.Warnings, "\n"), want) {
			t.Errorf("warnings %q lack %q", rep.Warnings, want)
		}
	}
	for _, want := range []string{"watch api: found ", " at http://xxxxx@", "profile  api goroutine → "} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if !strings.Contains(metrics, "strain_metric") {
		t.Errorf("the export was never scraped: %q", metrics)
	}
	if _, err := os.Stat(filepath.Join(dir, "profiles", "index.json")); err != nil {
		t.Errorf("no capture to look at: %v", err)
	}
}

// scrapeWhile polls url in the background until the returned function is
// called, which returns the last body that answered 200.
func scrapeWhile(t *testing.T, url string) func() string {
	t.Helper()
	stop, done := make(chan struct{}), make(chan string)
	go func() {
		var last string
		for {
			select {
			case <-stop:
				done <- last
				return
			case <-time.After(100 * time.Millisecond):
			}
			resp, err := http.Get(url)
			if err != nil {
				continue
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				last = string(b)
			}
		}
	}()
	return func() string { close(stop); return <-done }
}

// An error that quotes a URL, the one line on stderr, redacts it too.
func TestErrorsRedactURLs(t *testing.T) {
	for _, args := range [][]string{
		{"run", "http://u:pw-secret@127.0.0.1:99999/?token=tok-secret"},
		{"run", "http://127.0.0.1:1/", "--alert-webhook", "ftp://pw-secret@host/?key=tok-secret"},
		{"run", "http://127.0.0.1:1/", "--watch", "prom:http://u:pw-secret@127.0.0.1:99999/metrics?sig=tok-secret"},
	} {
		code, _, stderr := cli(t, context.Background(), args...)
		if code != exitcode.Usage || strings.Contains(stderr, "secret") || !strings.Contains(stderr, "xxxxx") {
			t.Errorf("%q: exit %d, stderr %q; want 2 and the URL redacted", args, code, stderr)
		}
	}
}
