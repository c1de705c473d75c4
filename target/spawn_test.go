package target

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// childEnv makes this test binary, run by Spawn, act as the child named
// by its value instead of running the tests.
const childEnv = "STRAIN_TEST_SPAWN_CHILD"

func TestMain(m *testing.M) {
	if role := os.Getenv(childEnv); role != "" {
		os.Exit(child(role))
	}
	os.Exit(m.Run())
}

// child plays what `strain target --listen 127.0.0.1:0` does ("serve"),
// or a binary that fails before printing its address ("exit"), or one
// that never prints it ("hang").
func child(role string) int {
	switch role {
	case "serve":
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
		defer stop()
		err := ListenAndServe(ctx, "127.0.0.1:0", func(a net.Addr) { fmt.Println(a) })
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 3
		}
		return 0
	case "hang":
		time.Sleep(time.Hour)
	}
	return 1
}

func TestSpawnServesUntilStopped(t *testing.T) {
	t.Setenv(childEnv, "serve")
	base, stop, err := Spawn(t.Context(), os.Args[0], os.Stderr)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	if !strings.HasPrefix(base, "http://127.0.0.1:") {
		t.Errorf("base = %q, want http://127.0.0.1:PORT", base)
	}
	client := &http.Client{Timeout: testTimeout}
	resp, err := client.Get(base + "/ok")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET /ok: status %d, want 200", resp.StatusCode)
	}
	stop()
	if _, err := net.DialTimeout("tcp", strings.TrimPrefix(base, "http://"), time.Second); err == nil {
		t.Error("the child still listens after stop")
	}
}

func TestSpawnFails(t *testing.T) {
	cases := []struct {
		name string
		exe  string
		role string
		wait time.Duration
		want string
	}{
		{"no such binary", filepath.Join(t.TempDir(), "missing"), "", testTimeout, "start demo target"},
		{"exits first", os.Args[0], "exit", testTimeout, "start demo target: it exited before printing its address"},
		{"never says", os.Args[0], "hang", 200 * time.Millisecond, context.DeadlineExceeded.Error()},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv(childEnv, c.role)
			ctx, cancel := context.WithTimeout(t.Context(), c.wait)
			defer cancel()
			_, stop, err := Spawn(ctx, c.exe, nil)
			if err == nil {
				stop()
				t.Fatal("Spawn succeeded, want an error")
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v, want it to say %q", err, c.want)
			}
			if c.role == "hang" && !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("err = %v, want it to wrap the context's", err)
			}
		})
	}
}
