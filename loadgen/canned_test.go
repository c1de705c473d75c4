package loadgen

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/strain-dev/strain/internal/loadtest"
	"github.com/strain-dev/strain/loadgen/send"
)

// instantSender answers every request at once, with a 200 and no body.
type instantSender struct{}

func (instantSender) Send(*send.Outgoing, time.Time) (send.Response, error) {
	return send.Response{Status: 200}, nil
}
func (instantSender) Close() {}

// cannedProcess runs the canned responder in a child process (this test
// binary, in TestCannedResponderProcess) and returns its URL.
func cannedProcess(tb testing.TB) string {
	return loadtest.ChildProcess(tb, "TestCannedResponderProcess", cannedEnv+"=1")
}

// cannedEnv makes TestCannedResponderProcess serve instead of skipping.
const cannedEnv = "LOADGEN_CANNED_RESPONDER"

// TestCannedResponderProcess is the child of cannedProcess: it prints its
// URL and serves until its stdin closes.
func TestCannedResponderProcess(t *testing.T) {
	if os.Getenv(cannedEnv) == "" {
		t.Skip("a helper process for the benchmarks")
	}
	fmt.Println(loadtest.CannedResponder(t))
	loadtest.ServeUntilStdinCloses()
}
