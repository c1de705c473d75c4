package h2

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/strain-dev/strain/internal/loadtest"
	"github.com/strain-dev/strain/loadgen"
	"github.com/strain-dev/strain/loadgen/grpc"
	"github.com/strain-dev/strain/loadgen/grpc/grpctest"
)

const grpcEnv = "LOADGEN_GRPC_RESPONDER"

// TestGRPCResponderProcess is the child of grpcProcess: it prints the
// address of an Echo server, and serves until its stdin closes.
func TestGRPCResponderProcess(t *testing.T) {
	if os.Getenv(grpcEnv) == "" {
		t.Skip("a helper process for the benchmarks")
	}
	fmt.Println(grpctest.Start(t, true).Addr)
	loadtest.ServeUntilStdinCloses()
}

// BenchmarkGRPCSend is one worker's call after call of a unary method on
// the HTTP/2 fast path, against grpc-go in another process: the
// allocations per call in steady state, its message encoded once.
func BenchmarkGRPCSend(b *testing.B) {
	addr := loadtest.ChildProcess(b, "TestGRPCResponderProcess", grpcEnv+"=1")
	targets, err := loadgen.Request{Body: `{"key": "user-7"}`}.Calls(context.Background(), []string{"grpc://" + addr + "/strain.echo.Echo/Say"}, time.Minute)
	if err != nil {
		b.Fatal(err)
	}
	tr, p := transportFor(b, targets...)
	defer tr.Close()
	loadtest.SendLoop(b, tr.Sender(context.Background()), p[0], grpc.Counted(grpc.OK), -1)
}
