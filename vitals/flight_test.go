package vitals

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

func TestFlightHandlerServesTheLastSecondsOfTrace(t *testing.T) {
	if err := StartFlightRecorder(FlightConfig{MinAge: 2 * time.Second}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(StopFlightRecorder)
	busy(50 * time.Millisecond)
	code, body := getFlight(t)
	if code != http.StatusOK {
		t.Fatalf("GET flight: got %d %q, want 200", code, body)
	}
	if len(body) < 64 || !bytes.HasPrefix(body, []byte("go 1.")) || !bytes.Contains(body[:16], []byte(" trace\x00")) {
		t.Fatalf("GET flight: got %d bytes starting %q, want an execution trace", len(body), body[:min(len(body), 16)])
	}
	goToolTraceReads(t, body)
}

func TestFlightHandlerWithoutRecorderIs503(t *testing.T) {
	StopFlightRecorder()
	if code, body := getFlight(t); code != http.StatusServiceUnavailable {
		t.Errorf("GET flight with no recorder: got %d %q, want 503", code, body)
	}
}

func TestFlightRecorderIsOnePerProcess(t *testing.T) {
	if err := StartFlightRecorder(FlightConfig{}); err != nil {
		t.Fatal(err)
	}
	if err := StartFlightRecorder(FlightConfig{}); !errors.Is(err, ErrFlightRunning) {
		t.Errorf("second start: got %v, want ErrFlightRunning", err)
	}
	StopFlightRecorder()
	StopFlightRecorder() // stopping twice is harmless
	if FlightRunning() {
		t.Error("FlightRunning after Stop")
	}
	// A stopped recorder can be started again.
	if err := StartFlightRecorder(FlightConfig{}); err != nil {
		t.Errorf("restart: %v", err)
	}
	StopFlightRecorder()
}

func getFlight(t *testing.T) (int, []byte) {
	t.Helper()
	ts := httptest.NewServer(FlightHandler())
	defer ts.Close()
	resp, err := http.Get(ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, body
}

// busy gives the trace something to record: goroutines passing a value
// back and forth for about d.
func busy(d time.Duration) {
	ping, pong := make(chan int), make(chan int)
	var wg sync.WaitGroup
	wg.Go(func() {
		for v := range ping {
			pong <- v + 1
		}
		close(pong)
	})
	for end, v := time.Now().Add(d), 0; time.Now().Before(end); {
		ping <- v
		v = <-pong
	}
	close(ping)
	wg.Wait()
}

// goToolTraceReads parses trace with `go tool trace -d=parsed`, which reads
// every event, when the go tool is on PATH.
func goToolTraceReads(t *testing.T, trace []byte) {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Log("go not on PATH: trace checked by its header only")
		return
	}
	path := filepath.Join(t.TempDir(), "flight.trace")
	if err := os.WriteFile(path, trace, 0o644); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd := exec.Command("go", "tool", "trace", "-d=parsed", path)
	cmd.Stdout, cmd.Stderr = io.Discard, &stderr
	if err := cmd.Run(); err != nil {
		t.Errorf("go tool trace -d=parsed: %v\n%s", err, stderr.Bytes())
	}
}
