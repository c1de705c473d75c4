package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestMain runs the command itself when a test starts this binary as a
// child, so that the command is tested as a process without a build.
func TestMain(m *testing.M) {
	if os.Getenv("FAULTS_TEST_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// command returns the command faults with args, as a child of the test.
func command(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "FAULTS_TEST_MAIN=1")
	return cmd
}

func TestServesUntilItsDuration(t *testing.T) {
	cmd := command(t, "-fault", "healthy", "-sources", "none", "-addr", "127.0.0.1:0", "-d", "1500ms")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("read the first line: %v", err)
	}
	addr, ok := strings.CutPrefix(strings.TrimSpace(line), "listening ")
	if !ok {
		t.Fatalf("first line %q, want 'listening ADDR'", line)
	}
	resp, err := http.Get("http://" + addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET / = %d, want 200", resp.StatusCode)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("exit: %v, want 0", err)
		}
		if took := time.Since(start); took < 1500*time.Millisecond {
			t.Errorf("exited after %v, want -d 1.5s at least", took)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("still running 10s after its -d of 1.5s")
	}
}

func TestUsageErrorsExit2WithOneLine(t *testing.T) {
	for name, args := range map[string][]string{
		"fault":    {"-fault", "nope"},
		"sources":  {"-sources", "nope"},
		"argument": {"-fault", "lock", "nope"},
	} {
		t.Run(name, func(t *testing.T) {
			cmd := command(t, args...)
			var stderr strings.Builder
			cmd.Stderr = &stderr
			err := cmd.Run()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != 2 {
				t.Fatalf("exit: %v, want status 2", err)
			}
			lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
			if len(lines) != 1 || !strings.Contains(lines[0], "nope") {
				t.Errorf("stderr %q, want one line naming %q", stderr.String(), "nope")
			}
		})
	}
}

func TestEachSourceSetServesOnlyItsEndpoints(t *testing.T) {
	paths := []string{"/", "/debug/strain", "/metrics", "/debug/pprof/", "/debug/pprof/goroutine?debug=1", "/index.html"}
	for _, tc := range []struct {
		sources string
		serves  []string // besides "/"
	}{
		{"vitals", []string{"/debug/strain", "/debug/pprof/", "/debug/pprof/goroutine?debug=1"}},
		{"prom", []string{"/metrics"}},
		{"prom+pprof", []string{"/metrics", "/debug/pprof/", "/debug/pprof/goroutine?debug=1"}},
		{"pprof", []string{"/debug/pprof/", "/debug/pprof/goroutine?debug=1"}},
		{"none", nil},
	} {
		t.Run(tc.sources, func(t *testing.T) {
			mux, err := newMux(tc.sources, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(mux)
			defer srv.Close()
			for _, p := range paths {
				want := http.StatusNotFound
				if p == "/" || slices.Contains(tc.serves, p) {
					want = http.StatusOK
				}
				if got := status(t, srv.URL+p); got != want {
					t.Errorf("GET %s = %d, want %d", p, got, want)
				}
			}
		})
	}
	t.Run("prom has the default collectors", func(t *testing.T) {
		mux, _ := newMux("prom", http.NotFoundHandler())
		srv := httptest.NewServer(mux)
		defer srv.Close()
		body := get(t, srv.URL+"/metrics")
		for _, series := range []string{"go_goroutines ", "go_memstats_heap_alloc_bytes ", "process_cpu_seconds_total "} {
			if !strings.Contains(body, "\n"+series) {
				t.Errorf("/metrics has no %s", series)
			}
		}
	})
}

// truth is one row of truth.json.
type truth struct {
	Fault, Kind, Culprit string
}

func readTruth(t *testing.T) map[string]truth {
	t.Helper()
	b, err := os.ReadFile("truth.json")
	if err != nil {
		t.Fatal(err)
	}
	var rows []truth
	if err := json.Unmarshal(b, &rows); err != nil {
		t.Fatalf("truth.json: %v", err)
	}
	m := map[string]truth{}
	for _, r := range rows {
		m[r.Fault] = r
	}
	return m
}

// culprit is truth.json's culprit of fault.
func culprit(t *testing.T, fault string) string {
	t.Helper()
	return readTruth(t)[fault].Culprit
}

func TestTruthNamesEveryFaultsFunction(t *testing.T) {
	tt := readTruth(t)
	var faults []string
	for f := range tt {
		faults = append(faults, f)
	}
	if want := slices.Sorted(slices.Values(faultNames)); !slices.Equal(slices.Sorted(slices.Values(faults)), want) {
		t.Fatalf("truth.json has faults %v, the command %v", slices.Sorted(slices.Values(faults)), want)
	}
	if h := tt["healthy"]; h.Kind != "none" || h.Culprit != "" {
		t.Errorf("healthy: kind %q culprit %q, want none and no culprit", h.Kind, h.Culprit)
	}
	funcs := map[string]any{
		"lock": commitToLedger, "cpuhog": compactSearchIndex, "leak": awaitSubscriberAck,
		"heapgrow": rememberSession, "gcchurn": buildPriceIndex, "slowdep": callPricingService,
		"stall": awaitLeaderLease,
	}
	for fault, fn := range funcs {
		name := runtime.FuncForPC(reflect.ValueOf(fn).Pointer()).Name()
		// A test binary names package main by its import path.
		if want := "." + tt[fault].Culprit; !strings.HasSuffix(name, want) {
			t.Errorf("%s: truth.json names %q, the function is %s", fault, tt[fault].Culprit, name)
		}
	}
}

func TestBurst(t *testing.T) {
	b := burst{Start: 5 * time.Second, On: 8 * time.Second, Period: 12 * time.Second}
	for _, tc := range []struct {
		name    string
		elapsed time.Duration
		on      bool
		next    time.Duration
	}{
		{"before the start", 2 * time.Second, false, 3 * time.Second},
		{"at the start", 5 * time.Second, true, 8 * time.Second},
		{"in the first window", 10 * time.Second, true, 3 * time.Second},
		{"after the first window", 13 * time.Second, false, 4 * time.Second},
		{"in the second window", 18 * time.Second, true, 7 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			on, next := b.at(tc.elapsed)
			if on != tc.on || next != tc.next {
				t.Errorf("at(%v) = %v, %v; want %v, %v", tc.elapsed, on, next, tc.on, tc.next)
			}
		})
	}
	if on, _ := (burst{Start: time.Second}).at(time.Hour); !on {
		t.Error("a burst without a period is not on an hour after its start")
	}
}

func status(t *testing.T, url string) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	if _, err := bufio.NewReader(resp.Body).WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}
