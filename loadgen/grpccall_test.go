package loadgen

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/strain-dev/strain/loadgen/grpc"
	"github.com/strain-dev/strain/loadgen/grpc/grpctest"
)

// grpcCalls resolves method on srv by reflection and makes its targets.
func grpcCalls(t *testing.T, srv *grpctest.Server, method, msg string) []Target {
	t.Helper()
	targets, err := GRPCCalls(context.Background(), []string{"grpc://" + srv.Addr + "/strain.echo.Echo/" + method}, []byte(msg),
		[]string{"x-tenant: t-1"}, grpc.Descriptors{}, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	return targets
}

// Unary and server-streaming calls on strain's own HTTP/2 client: every
// call counted is one the server counted, each answered OK, and the
// messages streamed back counted.
func TestGRPCCallsCountedAsTheServerCounts(t *testing.T) {
	for _, c := range []struct {
		method, msg string
		perCall     int64
	}{{"Say", `{"key": "k"}`, 1}, {"Stream", `{"key": "k", "count": 4}`, 4}} {
		t.Run(c.method, func(t *testing.T) {
			srv := grpctest.Start(t, true)
			_, res := runEngine(t, context.Background(), Config{Targets: grpcCalls(t, srv, c.method, c.msg), Concurrency: 8, Requests: 2000})
			if res.Requests != 2000 || res.Errors != 0 || srv.Calls.Load() != 2000 {
				t.Fatalf("strain counted %d calls (%d errors: %v), the server %d", res.Requests, res.Errors, res.Kinds, srv.Calls.Load())
			}
			if res.Status[GRPCStatus(grpc.OK)] != 2000 || res.Messages != 2000*c.perCall {
				t.Errorf("statuses %v, %d messages; want 2000 OK, %d messages", res.Status, res.Messages, 2000*c.perCall)
			}
			if m := res.Metrics(); m["messages"] != float64(res.Messages) {
				t.Errorf("messages metric %v", m["messages"])
			}
		})
	}
}

// Each status is counted by its name; one not OK is an error of kind
// grpc_status, unless OKStatus accepts it.
func TestGRPCStatuses(t *testing.T) {
	srv := grpctest.Start(t, true)
	for _, want := range []grpc.Code{grpc.Unavailable, grpc.NotFound, grpc.ResourceExhausted, grpc.DeadlineExceeded} {
		targets := grpcCalls(t, srv, "Fail", `{"key": "`+want.String()+`"}`)
		_, res := runEngine(t, context.Background(), Config{Targets: targets, Concurrency: 2, Requests: 20})
		if res.Status[GRPCStatus(want)] != 20 || res.Kinds["grpc_status"] != 20 || res.Errors != 20 {
			t.Errorf("%v: statuses %v, kinds %v", want, res.Status, res.Kinds)
		}
		if name := StatusName(GRPCStatus(want), true); name != want.String() {
			t.Errorf("StatusName = %q, want %q", name, want)
		}
		_, res = runEngine(t, context.Background(), Config{Targets: targets, Concurrency: 2, Requests: 20, OKStatus: GRPCOK(want)})
		if res.Errors != 0 || res.Status[GRPCStatus(want)] != 20 {
			t.Errorf("%v accepted: %d errors %v", want, res.Errors, res.Kinds)
		}
	}
}

// --timeout reaches the server as the call's deadline, and metadata as
// headers.
func TestGRPCTimeoutAndMetadata(t *testing.T) {
	// At most 8 digits, in the finest unit that holds them.
	for d, want := range map[time.Duration]string{time.Millisecond: "1000000n", 1500 * time.Millisecond: "1500000u",
		10 * time.Minute: "600000m", 30 * 24 * time.Hour: "2592000S", 50000 * time.Hour: "3000000M"} {
		if got := grpcTimeout(d); got != want {
			t.Errorf("grpcTimeout(%v) = %q, want %q", d, got, want)
		}
	}
	srv := grpctest.Start(t, true)
	targets := grpcCalls(t, srv, "Say", `{}`)
	// grpc-go fails a call whose grpc-timeout it cannot read: this one is OK.
	_, res := runEngine(t, context.Background(), Config{Targets: targets, Concurrency: 1, Requests: 1})
	if res.Errors != 0 {
		t.Fatalf("errors %v", res.Kinds)
	}
	if v := targets[0].Header["x-tenant"]; len(v) != 1 || v[0] != "t-1" {
		t.Errorf("metadata %v", targets[0].Header)
	}
	if v := targets[0].Header["grpc-timeout"]; len(v) != 1 || v[0] != "5000000u" {
		t.Errorf("grpc-timeout %v", v)
	}
}

// gRPC calls and HTTP requests do not mix in one run.
func TestGRPCDoesNotMix(t *testing.T) {
	srv := grpctest.Start(t, true)
	targets := append(grpcCalls(t, srv, "Say", `{}`), Target{URL: "http://127.0.0.1:1/"})
	if _, err := New(Config{Targets: targets}); err == nil || !strings.Contains(err.Error(), "cannot be sent in one run") {
		t.Errorf("New = %v", err)
	}
}
