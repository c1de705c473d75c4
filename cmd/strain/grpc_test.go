package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/strain-dev/strain/internal/exitcode"
	"github.com/strain-dev/strain/loadgen/grpc/grpctest"
)

// strain run grpc://: a method found by reflection or by its .proto, the
// calls counted as the server counts them, statuses by name, the
// messages streamed back counted; in the closed and open models.
func TestRunGRPC(t *testing.T) {
	srv := grpctest.Start(t, true)
	base := "grpc://" + srv.Addr + "/strain.echo.Echo/"
	proto := []string{"--proto", srv.Proto, "--import-path", filepath.Dir(srv.Proto)}
	for _, c := range []struct {
		name     string
		args     []string
		calls    float64
		messages float64
	}{
		{"reflection", []string{base + "Say", "--body", `{"key": "k"}`, "-n", "400", "-c", "8"}, 400, 400},
		{"proto", append([]string{base + "Stream", "--body", `{"count": 3}`, "-n", "300"}, proto...), 300, 900},
		{"open model", []string{base + "Say", "-r", "200", "-d", "1s"}, 0, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := srv.Calls.Load()
			out := filepath.Join(t.TempDir(), "r.json")
			code, stdout, stderr := cli(t, context.Background(), append([]string{"run", "--no-tui", "-o", out}, c.args...)...)
			if code != exitcode.Passed {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			rep := readReport(t, out)
			// A call still in flight when the run ends is unfinished:
			// the server may have counted it, strain does not.
			calls, unfinished := rep.Summary["requests"], rep.Summary["unfinished"]
			if served := float64(srv.Calls.Load() - before); served < calls || served > calls+unfinished || c.calls > 0 && calls != c.calls {
				t.Errorf("strain counted %v calls (%v unfinished), the server %v (want %v)", calls, unfinished, served, c.calls)
			}
			if rep.StatusCodes["OK"] != int64(calls) || len(rep.StatusCodes) != 1 {
				t.Errorf("status codes %v", rep.StatusCodes)
			}
			if c.messages > 0 && rep.Summary["messages"] != c.messages {
				t.Errorf("messages %v, want %v", rep.Summary["messages"], c.messages)
			}
			if !strings.Contains(stdout, "gRPC "+base) || !strings.Contains(stdout, "OK × ") {
				t.Errorf("the summary does not name the call and its status:\n%s", stdout)
			}
		})
	}
}

// A status other than OK fails the calls as grpc_status, unless
// --ok-status names it; a gate judges the count of errors.
func TestRunGRPCStatuses(t *testing.T) {
	srv := grpctest.Start(t, true)
	fail := "grpc://" + srv.Addr + "/strain.echo.Echo/Fail"
	out := filepath.Join(t.TempDir(), "r.json")
	code, _, stderr := cli(t, context.Background(), "run", fail, "--body", `{"key": "UNAVAILABLE"}`, "-n", "20", "--no-tui", "-o", out, "--gate", "errors == 0")
	if rep := readReport(t, out); code != exitcode.GateFailed || rep.StatusCodes["UNAVAILABLE"] != 20 || rep.ErrorsByKind["grpc_status"] != 20 {
		t.Errorf("exit %d (%s); statuses %v, errors %v", code, stderr, rep.StatusCodes, rep.ErrorsByKind)
	}
	code, _, stderr = cli(t, context.Background(), "run", fail, "--body", `{"key": "NOT_FOUND"}`, "--ok-status", "not_found", "-n", "20", "--no-tui", "-o", out, "--gate", "errors == 0")
	if rep := readReport(t, out); code != exitcode.Passed || rep.StatusCodes["NOT_FOUND"] != 20 {
		t.Errorf("accepted: exit %d (%s); statuses %v", code, stderr, rep.StatusCodes)
	}
}

// What cannot be called is one line and exit 2 before any load; a server
// that is not there, exit 3.
func TestRunGRPCRefused(t *testing.T) {
	srv := grpctest.Start(t, false) // no reflection
	withReflection := grpctest.Start(t, true)
	say := "grpc://" + withReflection.Addr + "/strain.echo.Echo/"
	for name, c := range map[string]struct {
		args []string
		code int
		says string
	}{
		"no reflection":   {[]string{"grpc://" + srv.Addr + "/strain.echo.Echo/Say"}, exitcode.Usage, "--proto"},
		"no such method":  {[]string{say + "Shout"}, exitcode.Usage, "has no method Shout"},
		"no such service": {[]string{"grpc://" + withReflection.Addr + "/a.B/C"}, exitcode.Usage, "has no service a.B"},
		"bad message":     {[]string{say + "Say", "--body", `{"count": "many"}`}, exitcode.Usage, "strain.echo.EchoRequest"},
		"client stream":   {[]string{say + "Upload"}, exitcode.Usage, "streams from the client"},
		"bad status name": {[]string{say + "Say", "--ok-status", "FINE"}, exitcode.Usage, "FINE"},
		"missing proto":   {[]string{say + "Say", "--proto", "/nonexistent.proto"}, exitcode.Usage, "nonexistent.proto"},
		"unreachable":     {[]string{"grpc://127.0.0.1:1/strain.echo.Echo/Say"}, exitcode.CannotRun, "127.0.0.1:1"},
		"mixed":           {[]string{say + "Say", "http://127.0.0.1:1/"}, exitcode.Usage, "grpc://"},
	} {
		t.Run(name, func(t *testing.T) {
			before := withReflection.Calls.Load()
			code, _, stderr := cli(t, context.Background(), append([]string{"run", "-n", "5", "--no-tui"}, c.args...)...)
			if code != c.code || strings.Count(strings.TrimSpace(stderr), "\n") != 0 || !strings.Contains(stderr, c.says) {
				t.Errorf("exit %d, %q; want %d, one line saying %q", code, stderr, c.code, c.says)
			}
			if n := withReflection.Calls.Load() - before; n != 0 {
				t.Errorf("%d calls made", n)
			}
		})
	}
}

// The segments of a gRPC load merge as an HTTP load's do: the calls and
// messages add up to the server's count.
func TestGRPCSegmentsMerge(t *testing.T) {
	srv := grpctest.Start(t, true)
	dir := t.TempDir()
	var parts []string
	for i := range 2 {
		out := filepath.Join(dir, "seg"+string(rune('0'+i))+".json")
		if code, _, stderr := cli(t, context.Background(), "run", "grpc://"+srv.Addr+"/strain.echo.Echo/Stream", "--body", `{"count": 2}`,
			"-n", "300", "--segment", []string{"0/2", "1/2"}[i], "--no-tui", "-o", out); code != 0 {
			t.Fatalf("segment %d: exit %d: %s", i, code, stderr)
		}
		parts = append(parts, out)
	}
	merged := filepath.Join(dir, "merged.json")
	if code, _, stderr := cli(t, context.Background(), append([]string{"merge", "-o", merged}, parts...)...); code != 0 {
		t.Fatalf("merge: exit %d: %s", code, stderr)
	}
	rep := readReport(t, merged)
	if rep.Summary["requests"] != 300 || rep.Summary["messages"] != 600 || srv.Calls.Load() != 300 || rep.StatusCodes["OK"] != 300 {
		t.Errorf("merged: %v calls, %v messages, statuses %v; the server counted %d", rep.Summary["requests"], rep.Summary["messages"], rep.StatusCodes, srv.Calls.Load())
	}
}
