package loadgen

import (
	"context"
	"crypto/tls"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	ggrpc "google.golang.org/grpc"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/strain-dev/strain/loadgen/grpc"
	"github.com/strain-dev/strain/loadgen/grpc/grpctest"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/tap"
)

// grpcCalls resolves method on srv by reflection and makes its targets.
func grpcCalls(t *testing.T, srv *grpctest.Server, method, msg string) []Target {
	t.Helper()
	targets, err := Request{Body: msg, Header: []string{"x-tenant: t-1"}}.Calls(context.Background(),
		[]string{"grpc://" + srv.Addr + "/strain.echo.Echo/" + method}, 5*time.Second)
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
	if _, err := newEngine(Config{Targets: targets}); err == nil || !strings.Contains(err.Error(), "cannot be sent in one run") {
		t.Errorf("New = %v", err)
	}
}

// A server that sends GOAWAY as its connections age (grpc-go's
// MaxConnectionAge) loses no call: each is counted once, as the server
// counts it, with none failed.
func TestGRPCGoAway(t *testing.T) {
	srv := grpctest.Start(t, true, ggrpc.KeepaliveParams(keepalive.ServerParameters{MaxConnectionAge: 50 * time.Millisecond, MaxConnectionAgeGrace: 5 * time.Second}))
	_, res := runEngine(t, context.Background(), Config{Targets: grpcCalls(t, srv, "Say", `{}`), Concurrency: 8, Requests: 5000})
	if res.Requests != 5000 || res.Errors != 0 || srv.Calls.Load() != 5000 {
		t.Errorf("strain counted %d calls (%d errors: %v), the server %d", res.Requests, res.Errors, res.Kinds, srv.Calls.Load())
	}
}

// A deadline the server enforces (-H grpc-timeout, shorter than strain's
// own timeout) ends the call with DEADLINE_EXCEEDED, counted by name.
func TestGRPCDeadlineExceeded(t *testing.T) {
	srv := grpctest.Start(t, true)
	targets, err := Request{Body: `{"count": 2000}`, Header: []string{"grpc-timeout: 20m"}}.Calls(context.Background(),
		[]string{"grpc://" + srv.Addr + "/strain.echo.Echo/Sleep"}, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	_, res := runEngine(t, context.Background(), Config{Targets: targets, Concurrency: 4, Requests: 8, Timeout: 10 * time.Second})
	// grpc-go ends a call past its deadline with that status, or, when its
	// timer fires first, by resetting the stream (CANCEL: CANCELLED).
	ended := res.Status[GRPCStatus(grpc.DeadlineExceeded)] + res.Status[GRPCStatus(grpc.Canceled)]
	if ended != 8 || res.Kinds["grpc_status"] != 8 {
		t.Errorf("statuses %v, kinds %v; want 8 DEADLINE_EXCEEDED or CANCELLED", res.Status, res.Kinds)
	}
}

// grpcs://: the reflection and the calls over TLS, the certificate
// checked unless Insecure.
func TestGRPCOverTLS(t *testing.T) {
	hs := httptest.NewUnstartedServer(nil)
	hs.StartTLS() // for its certificate
	cert := hs.TLS.Certificates[0]
	hs.Close()
	srv := grpctest.Start(t, true, ggrpc.Creds(credentials.NewTLS(&tls.Config{Certificates: []tls.Certificate{cert}})))
	url := []string{"grpcs://" + srv.Addr + "/strain.echo.Echo/Say"}
	if _, err := (Request{}).Calls(context.Background(), url, time.Second); err == nil {
		t.Error("an unknown certificate was taken")
	}
	targets, err := Request{Descriptors: grpc.Descriptors{Insecure: true}}.Calls(context.Background(), url, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	_, res := runEngine(t, context.Background(), Config{Targets: targets, Insecure: true, Concurrency: 4, Requests: 200})
	if res.Status[GRPCStatus(grpc.OK)] != 200 || srv.Calls.Load() != 200 {
		t.Errorf("statuses %v (%v), the server counted %d", res.Status, res.Kinds, srv.Calls.Load())
	}
}

// A gRPC call's metadata is templated like any header: grpc-go sees each
// call's own {{seq}}, once each. A fixed message is encoded once, {{env}}
// filled in.
func TestGRPCTemplates(t *testing.T) {
	var mu sync.Mutex
	seqs := map[string]int{}
	srv := grpctest.Start(t, true, ggrpc.InTapHandle(func(ctx context.Context, info *tap.Info) (context.Context, error) {
		mu.Lock()
		defer mu.Unlock()
		for _, v := range info.Header.Get("x-seq") {
			seqs[v]++
		}
		return ctx, nil
	}))
	url := []string{"grpc://" + srv.Addr + "/strain.echo.Echo/Say"}
	targets, err := Request{Body: `{"key": "k"}`, Header: []string{"x-seq: {{seq}}"}}.Calls(context.Background(), url, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	_, res := runEngine(t, context.Background(), Config{Targets: targets, Concurrency: 4, Requests: 200})
	mu.Lock()
	if res.Requests != 200 || res.Errors != 0 || len(seqs) != 200 {
		t.Errorf("calls %d errors %d (%v); grpc-go saw %d distinct seqs", res.Requests, res.Errors, res.Kinds, len(seqs))
	}
	for s, n := range seqs {
		if n != 1 {
			t.Errorf("seq %s seen %d times", s, n)
		}
	}
	mu.Unlock()
	t.Setenv("STRAIN_TEST_KEY", "from-env")
	targets, err = Request{Body: `{"key": "{{env STRAIN_TEST_KEY}}"}`}.Calls(context.Background(), url, time.Second)
	if err != nil {
		t.Fatalf("an {{env}} message: %v", err)
	}
	if !strings.Contains(string(targets[0].Body), "from-env") {
		t.Errorf("an {{env}} message encoded as %q", targets[0].Body)
	}
}

// A message that varies is filled and encoded call by call: grpc-go
// decodes each call's own key, once each, in a unary and a streaming
// call; a template whose first call does not encode is refused before the
// load.
func TestGRPCVaryingMessage(t *testing.T) {
	var mu sync.Mutex
	keys := map[string]int{}
	seen := func(req any) {
		if m, ok := req.(*dynamicpb.Message); ok {
			mu.Lock()
			keys[m.Get(m.Descriptor().Fields().ByName("key")).String()]++
			mu.Unlock()
		}
	}
	srv := grpctest.Start(t, true,
		ggrpc.UnaryInterceptor(func(ctx context.Context, req any, _ *ggrpc.UnaryServerInfo, h ggrpc.UnaryHandler) (any, error) {
			seen(req)
			return h(ctx, req)
		}))
	url := []string{"grpc://" + srv.Addr + "/strain.echo.Echo/Say"}
	targets, err := Request{Body: `{"key": "user-{{seq}}", "count": {{randint 1 3}}}`}.Calls(context.Background(), url, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	_, res := runEngine(t, context.Background(), Config{Targets: targets, Concurrency: 4, Requests: 300})
	mu.Lock()
	defer mu.Unlock()
	if res.Requests != 300 || res.Errors != 0 || len(keys) != 300 || keys["user-0"] != 1 || keys["user-299"] != 1 {
		t.Errorf("calls %d errors %d (%v); grpc-go decoded %d distinct keys", res.Requests, res.Errors, res.Kinds, len(keys))
	}
	if res.BytesOut <= int64(300*len("user-0")) {
		t.Errorf("bytes out %d", res.BytesOut)
	}
	for _, bad := range []string{`{"count": "{{seq}}x"}`, `{"key": {{seq}}}`} {
		if _, err := (Request{Body: bad}).Calls(context.Background(), url, time.Second); err == nil || !strings.Contains(err.Error(), "first call") {
			t.Errorf("%s: %v", bad, err)
		}
	}
}
